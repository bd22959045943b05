"""Calls from other HoSo services (client-credentials tokens only).

The signing service fetches a version's PDF (the rendition for office files) and stores
the signed PDF as a new version derived from it; the approvals service marks a version
approved (write-once from then on) and, through its correction procedure, adds a
superseding version to a write-once document.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import BinaryIO

from services.documents.adapters.file_types import CONTENT_TYPES
from services.documents.adapters.object_store import ObjectStore
from services.documents.adapters.records import DocumentRecord, VersionRecord
from services.documents.adapters.repositories import Repositories
from services.documents.domain.locks import WriteTarget
from services.documents.service_layer.templates import effective_catalog
from services.documents.service_layer.reads import Download
from services.documents.service_layer.uploads import Uploads, decode_file_name, refuse_if_locked
from services.documents.service_layer.access import CallerContext, actor_of
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, NotFound, ValidationFailed
from services.kernel.events import Event
from services.kernel.ids import new_id
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope

log = logging.getLogger(__name__)


class Internal:
    def __init__(self, *, store: ObjectStore, clock: Clock, audit: AuditLog, uploads: Uploads) -> None:
        self._store = store
        self._clock = clock
        self._audit = audit
        self._uploads = uploads

    @staticmethod
    def context(service: Principal, tenant: str | None) -> CallerContext:
        """A school scope for a service call naming the school (``tenant``)."""
        if not tenant:
            raise ValidationFailed("Thiếu mã trường (tenant).", field="tenant")
        school = Repositories(TenantScope(tenant=tenant)).schools.query(id=tenant).first()
        if school is None:
            raise NotFound()
        repos = Repositories(TenantScope.school(tenant, school.district_id, school.province_id))
        return CallerContext(service, actor_of(service), repos, school, cross_tenant=False)

    def pdf_of(self, ctx: CallerContext, version_id: str) -> Download:
        version = ctx.repos.versions.get(version_id)
        if version.format == "pdf":
            key, size, sha = version.storage_key, version.size, version.sha256
        elif version.rendition_status == "ready":
            key, size, sha = version.rendition_key, version.rendition_size, version.rendition_sha256
        else:
            raise Conflict("Bản PDF của tệp này chưa sẵn sàng.", slug="rendition-not-ready",
                           extra={"rendition_status": version.rendition_status, "reason": version.rendition_error})
        self._audit.append(action="documents.version.read", actor=ctx.principal.sub, tenant=version.tenant_id,
                           district=version.district_id, target=version.id, data={"pdf_for": ctx.principal.client_id})
        return Download(self._store.iter_chunks(key), size, version.file_name.rsplit(".", 1)[0] + ".pdf",
                        "application/pdf", sha)

    def add_version(self, ctx: CallerContext, *, base_version_id: str | None, document_id: str | None, kind: str,
                    body: BinaryIO, file_name: str | None, content_length: int | None,
                    signers: list[dict] | None = None, correction_id: str | None = None) -> VersionRecord:
        """A signed version (derived from ``base_version_id``) or a correction of a write-once document."""
        if base_version_id:
            base = ctx.repos.versions.get(base_version_id)
            document = ctx.repos.documents.get(base.document_id)
        else:
            base = None
            document = ctx.repos.documents.get(document_id or "")
        book = effective_catalog(ctx.school).get(document.book)  # type: ignore[arg-type]
        if kind == "signed":
            book = replace(book, formats=frozenset({"pdf"}))
        elif not correction_id:
            raise ValidationFailed("Cần mã biên bản đính chính.", field="correction_id")
        now = self._clock.now()
        refuse_if_locked(ctx, WriteTarget(document.book, document.unit_id, document.period, document.school_year), now)
        version_id = new_id()
        key = f"{document.tenant_id}/{version_id}"
        fmt, reader = self._uploads.store_bytes(key, body, book)
        try:
            name = decode_file_name(file_name) if file_name else (
                (base.file_name.rsplit(".", 1)[0] + ".signed.pdf") if base else f"{document.title}.{fmt}")
            status = "signed" if kind == "signed" else document.status
            updated = ctx.repos.documents.query(id=document.id).modify(
                inc__version_count=1, set__latest_version_id=version_id, set__updated_at=now, set__status=status,
                set__write_once=True if kind == "signed" else document.write_once, new=True)
            version = VersionRecord(
                id=version_id, document_id=document.id, number=updated.version_count, kind=kind, storage_key=key,
                file_name=name, format=fmt, content_type=CONTENT_TYPES[fmt], size=reader.size, sha256=reader.sha256,
                uploaded_by=ctx.principal.sub, uploaded_at=now, derived_from=base.id if base else None,
                correction_id=correction_id, signers=signers or [], status=status if kind == "signed" else "uploaded",
                rendition_status="pending" if fmt in ("docx", "xlsx") else "not_needed")
            version.record_event(Event(
                type="documents.version.uploaded", tenant=document.tenant_id, district=document.district_id,
                actor=ctx.principal.sub,
                data={"version_id": version_id, "document_id": document.id, "book": document.book,
                      "period": document.period, "kind": kind, "derived_from": version.derived_from,
                      "correction_id": correction_id, "format": fmt, "sha256": reader.sha256, "size": reader.size,
                      "rendition_needed": fmt in ("docx", "xlsx")}))
            ctx.repos.versions.add(version)
        except BaseException:
            self._store.delete(key)
            raise
        self._audit.append(action=f"documents.version.{kind}", actor=ctx.principal.sub, tenant=document.tenant_id,
                           district=document.district_id, target=version_id,
                           data={"document_id": document.id, "derived_from": version.derived_from,
                                 "correction_id": correction_id, "sha256": reader.sha256})
        return version

    def on_approvals_event(self, event: Event) -> None:
        """``approvals.submission.approved``: the approved version becomes write-once."""
        version_id = event.data.get("version_id")
        if event.type != "approvals.submission.approved" or not version_id or not event.tenant:
            return
        service = Principal(sub=event.actor or "approvals", tenant=None, district=event.district,
                            roles=frozenset({"service"}), client_id="approvals", is_service=True)
        try:
            self.mark_approved(self.context(service, event.tenant), str(version_id),
                               decision_id=str(event.data.get("submission_id") or event.id))
        except NotFound:
            # A version this service never stored (another system's id): nothing to protect here,
            # and retrying would not make it appear.
            log.warning("approval of unknown version %s (school %s) ignored", version_id, event.tenant)

    def mark_approved(self, ctx: CallerContext, version_id: str, *, decision_id: str | None) -> DocumentRecord:
        """The approvals service approved ``version_id``: the document becomes write-once."""
        version = ctx.repos.versions.get(version_id)
        if version.status == "uploaded":
            version.status = "approved"
            version.save()
        document = ctx.repos.documents.query(id=version.document_id).modify(
            set__write_once=True, set__status="approved" if version.status == "approved" else version.status, new=True)
        self._audit.append(action="documents.version.approved", actor=ctx.principal.sub, tenant=version.tenant_id,
                           district=version.district_id, target=version.id, data={"decision_id": decision_id})
        return document
