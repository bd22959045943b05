"""The head of an inspection team signs the campaign's biên bản kiểm tra of a school (PAdES).

Documents drafts the record and answers what to sign (its draft version, head, state and the box
of the «TRƯỞNG ĐOÀN KIỂM TRA» signature block). Only the head may sign, and only while their own
verified token carries the campaign on that school (identity gives the grant to team members
only): that is what proves the head is on the team. The signature is made like a book's: the
draft's PDF from documents, a visible stamp in the box, the key path's signature (a key the
server uses at once: platform CA or PKCS#12), the timestamp and revocation data of the signer's
unit CA, the signed PDF stored through documents' signed-version path, then documents is told
the record is signed.

Once only: a signing record (``SignedDocumentDoc`` keyed ``inspection-record:<id>``, unique) is
claimed before the key is used, so two requests never give two signatures; it also carries the
code printed on the stamp, so the public verification page finds the biên bản.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from typing import Any, Protocol

from asn1crypto import x509 as asn1_x509
from mongoengine.errors import NotUniqueError

from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import NotFound
from services.kernel.ids import new_id
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope
from services.signing.adapters.documents_client import DocumentsPort, RecordsPort, RecordToSign
from services.signing.adapters.key_paths.base import KeyPath, ToBeSigned
from services.signing.adapters.pades import SigningIdentity, StampContent, StampPlacement
from services.signing.adapters.pdf_checks import check_signable
from services.signing.adapters.records import SignedDocumentDoc
from services.signing.domain import stamps
from services.signing.domain.credentials import Credential, KeyPathKind, OwnerKind
from services.signing.domain.errors import KeyPathNotImmediate, NotRecordHead, RecordAlreadySigned, SigningRefused
from services.signing.service_layer.credentials import CredentialService, certificate_facts
from services.signing.service_layer.signing import IMMEDIATE, SignedDocumentRepository, SigningService

ROLE_LABEL = "Trưởng đoàn kiểm tra"
FIELD_NAME = "HoSo_TruongDoanKiemTra"
BOOK = "bien_ban_kiem_tra"


class RecordDocuments(DocumentsPort, RecordsPort, Protocol):
    """Documents as this use case needs it: the record, the draft's PDF, the signed version."""


def claim_key(record_id: str) -> str:
    """The signing record's key of a biên bản (the namespace of submission ids is approvals')."""
    return f"inspection-record:{record_id}"


class RecordSigning:
    def __init__(self, *, documents: RecordDocuments, credentials: CredentialService,
                 key_paths: dict[KeyPathKind, KeyPath], signing: SigningService, clock: Clock, audit: AuditLog,
                 verify_base_url: str) -> None:
        self._documents = documents
        self._credentials = credentials
        self._paths = key_paths
        self._signing = signing
        self._clock = clock
        self._audit = audit
        self._verify_base = verify_base_url.rstrip("/")

    def sign(self, principal: Principal, record_id: str, *, school: str, credential_id: str,
             pin: str | None) -> dict[str, Any]:
        """Sign the biên bản ``record_id`` of ``school`` as the head of its team; 404 for another school's."""
        if principal.tenant and principal.tenant != school:
            raise NotFound()
        record = self._documents.inspection_record(school, record_id)
        if principal.tenant is not None or principal.is_service or principal.sub != record.head:
            raise NotRecordHead()
        now = self._clock.now()
        stamp_now = int(now.timestamp())
        if not any(g.campaign == record.campaign and school in g.schools and g.active(stamp_now)
                   for g in principal.grants):
            raise NotFound("Không có đợt kiểm tra này hoặc đợt kiểm tra đã kết thúc.")
        if record.state == "signed":
            raise RecordAlreadySigned()
        cred = self._credentials.usable(principal, credential_id)
        if cred.owner_kind is not OwnerKind.PERSON:
            raise SigningRefused("Biên bản kiểm tra được ký bằng chứng thư số cá nhân của trưởng đoàn.",
                                 field="credential_id")
        if cred.kind not in IMMEDIATE:
            raise KeyPathNotImmediate(field="credential_id")
        claim = self._claim(record, stamps.new_document_code(), now)
        try:
            return self._sign(principal, record, cred, claim, pin, now)
        except BaseException:
            claim.delete()
            raise

    def _claim(self, record: RecordToSign, code: str, now: datetime) -> SignedDocumentDoc:
        """Take the record's one signing slot; a second request finds it taken (409)."""
        doc = SignedDocumentDoc(
            id=new_id(), submission_id=claim_key(record.record), document_id=record.document_id, book_type=BOOK,
            code=code, approved_version_id=record.version_id, approved_sha256="", latest_version_id=record.version_id,
            latest_sha256="", created_at=now)
        try:
            SignedDocumentRepository(scope=TenantScope.school(record.school, record.district)).add(doc)
        except NotUniqueError:
            raise RecordAlreadySigned() from None
        return doc

    def _sign(self, principal: Principal, record: RecordToSign, cred: Credential, claim: SignedDocumentDoc,
              pin: str | None, now: datetime) -> dict[str, Any]:
        identity = SigningIdentity(asn1_x509.Certificate.load(cred.certificate_der),
                                   tuple(asn1_x509.Certificate.load(c) for c in cred.chain_der))
        facts = certificate_facts(cred.certificate_der)
        engine = self._signing.engine_for(cred.district_id)
        with tempfile.TemporaryDirectory(prefix="hoso-record-") as folder:  # one request's scratch, never shared
            source_path, out_path = os.path.join(folder, "in.pdf"), os.path.join(folder, "out.pdf")
            with open(source_path, "wb") as source:
                self._documents.fetch_pdf(record.school, record.version_id, source)
            stamp = StampContent(signer_name=facts.subject_name, role_label=ROLE_LABEL,
                                 unit_name=facts.organisation or "", signed_at=now, document_code=claim.code,
                                 verify_url=f"{self._verify_base}/{claim.code}")
            with open(source_path, "rb") as source, open(out_path, "w+b") as out:
                prepared = engine.prepare(check_signable(source), out, identity=identity, field_name=FIELD_NAME,
                                          stamp=stamp, placement=StampPlacement(record.page, record.box))
            crls = self._signing.revocation_for(cred)
            ticket = self._paths[cred.kind].begin(
                cred, [ToBeSigned(id=record.record, data=prepared.data_to_sign,
                                  label=f"{ROLE_LABEL} ký {record.title}")], pin=pin)
            if ticket.signatures is None:
                raise KeyPathNotImmediate(field="credential_id")
            with open(out_path, "r+b") as out:
                engine.complete(out, prepared, identity=identity, signature=ticket.signatures[record.record],
                                revocation_crls=crls)
                signer = {"person": principal.sub, "name": facts.subject_name, "role": "truong_doan", "order": 1,
                          "organisation": False, "serial": facts.serial_hex}
                stored = self._documents.store_signed(record.school, record.version_id, out,
                                                      file_name=f"bien-ban-kiem-tra-{claim.code}.pdf",
                                                      signers=[signer])
            with open(source_path, "rb") as source:
                approved_sha = hashlib.sha256(source.read()).hexdigest()  # a biên bản is a few pages
        level = "B-LT" if crls is not None else ("B-B" if self._signing.level == "B-B" else "B-T")
        self._documents.record_signed(record.school, record.record, version_id=stored.id, signed_by=principal.sub,
                                      signed_at=now.isoformat())
        claim.approved_sha256, claim.latest_version_id, claim.latest_sha256 = approved_sha, stored.id, stored.sha256
        claim.signed_sha256s = [stored.sha256]
        claim.signatures = [{"order": 1, "role": "truong_doan", "signer": principal.sub, "organisation": False,
                             "credential_id": cred.id, "key_path": cred.kind.value,
                             "certificate_serial": facts.serial_hex, "field_name": FIELD_NAME,
                             "version_id": stored.id, "sha256": stored.sha256, "signed_at": now, "level": level}]
        claim.save()
        self._audit.append(action="signing.inspection_record.signed", actor=principal.sub, tenant=record.school,
                           district=record.district, target=record.record,
                           data={"campaign": record.campaign, "code": claim.code, "version_id": stored.id,
                                 "credential": cred.id, "level": level})
        return {"record": record.record, "school": record.school, "state": "signed", "code": claim.code,
                "version_id": stored.id, "sha256": stored.sha256, "level": level}

