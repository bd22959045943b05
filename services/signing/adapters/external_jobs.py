"""External signing jobs kept in MongoDB (the store behind key path (d))."""
from __future__ import annotations

from datetime import timezone

from services.kernel.owners import OwnerKey
from services.signing.adapters.key_paths.base import ToBeSigned
from services.signing.adapters.key_paths.external import ExternalJob
from services.signing.adapters.records import CredentialDoc, ExternalJobDoc
from services.signing.domain.credentials import OwnerKind


def _aware(at):
    return at.replace(tzinfo=timezone.utc) if at is not None and at.tzinfo is None else at


def _owner(doc: ExternalJobDoc) -> OwnerKey:
    """The job's typed owner; jobs written before owners were typed take it from their credential."""
    if doc.owner:
        return OwnerKey.parse(doc.owner)
    cred = CredentialDoc.objects(id=doc.credential_id).only("owner_kind", "owner_id").first()
    if cred is None:
        raise KeyError(doc.id)
    return OwnerKind(cred.owner_kind).key(cred.owner_id)


class MongoExternalJobs:
    def add(self, job: ExternalJob) -> None:
        cred = CredentialDoc.objects(id=job.credential_id).only("tenant_id", "district_id").first()
        ExternalJobDoc(
            id=job.id, tenant_id=job.tenant_id, district_id=cred.district_id, credential_id=job.credential_id,
            owner=str(job.owner), owner_id=job.owner.id, items=[{"id": i.id, "data": i.data, "label": i.label} for i in job.items],
            certificate_der=job.certificate_der, created_at=job.created_at, expires_at=job.expires_at,
        ).save()

    def get(self, job_id: str) -> ExternalJob:
        doc = ExternalJobDoc.objects(id=job_id).first()
        if doc is None:
            raise KeyError(job_id)
        return ExternalJob(
            id=doc.id, credential_id=doc.credential_id, owner=_owner(doc), tenant_id=doc.tenant_id,
            items=tuple(ToBeSigned(i["id"], bytes(i["data"]), i["label"]) for i in doc.items),
            certificate_der=bytes(doc.certificate_der), created_at=_aware(doc.created_at),
            expires_at=_aware(doc.expires_at),
            signatures={k: bytes(v) for k, v in doc.signatures.items()} if doc.signatures else None,
        )

    def attach_signatures(self, job_id: str, signatures: dict[str, bytes]) -> None:
        ExternalJobDoc.objects(id=job_id, signatures=None).update_one(set__signatures=signatures)
