"""Public verification: an uploaded PDF or a document code → each signature's standing, and recall.

Anyone may verify (no sign-in). A code printed on a document reveals what the document
itself shows (its signers and times) plus whether the school recalled it. The recall state
is a projection of ``approvals.submission.recalled``.
"""
from __future__ import annotations

import hashlib
import tempfile
from datetime import datetime
from typing import IO, Any

from services.approvals.events import RECALLED, Recalled
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import NotFound, PayloadTooLarge
from services.kernel.events import Event
from services.kernel.messaging import reads
from services.kernel.vntime import format_vn
from services.signing.adapters.documents_client import DocumentsPort
from services.signing.adapters.records import SignedDocumentDoc
from services.signing.adapters.verifier import PdfFindings, SignatureFinding, inspect_pdf
from services.signing.domain.stamps import normalise_code
from services.signing.service_layer.authority import CertificateAuthority


def _signature_view(f: SignatureFinding) -> dict[str, Any]:
    if not f.intact:
        verdict = "Không hợp lệ: nội dung đã bị sửa sau khi ký."
    elif f.revoked:
        verdict = "Không hợp lệ: chứng thư số đã bị thu hồi."
    elif not f.valid:
        verdict = "Không hợp lệ: chữ ký không khớp với chứng thư số."
    elif not f.trusted:
        verdict = "Chữ ký toàn vẹn nhưng chứng thư số không do CA được tin cậy cấp."
    elif f.changed_after:
        verdict = "Chữ ký hợp lệ nhưng tài liệu đã bị thay đổi sau khi ký."
    else:
        verdict = "Hợp lệ."
    return {"field": f.field_name, "signer": f.signer_name, "organisation": f.organisation, "chain": list(f.chain),
            "valid": f.ok, "intact": f.intact, "trusted": f.trusted, "revoked": f.revoked,
            "signed_at": f.signed_at.isoformat() if f.signed_at else None,
            "timestamp_at": f.timestamp_at.isoformat() if f.timestamp_at else None,
            "signed_at_text": format_vn(f.signed_at) if f.signed_at else None,
            "timestamp_at_text": format_vn(f.timestamp_at) if f.timestamp_at else None,
            "changed_after_signing": f.changed_after, "verdict": verdict}


class VerificationService:
    def __init__(self, *, authority: CertificateAuthority, documents: DocumentsPort, audit: AuditLog,
                 clock: Clock, max_bytes: int) -> None:
        self._authority = authority
        self._clock = clock
        self._documents = documents
        self._audit = audit
        self._max = max_bytes

    def _report(self, findings: PdfFindings, record: SignedDocumentDoc | None) -> dict[str, Any]:
        sigs = [_signature_view(f) for f in findings.signatures]
        recalled = record is not None and record.recalled_at is not None
        is_latest = record is not None and record.latest_sha256 == findings.sha256
        if not sigs:
            summary = "Tài liệu không có chữ ký số."
        elif recalled:
            summary = "Tài liệu đã bị THU HỒI; không còn giá trị sử dụng."
        elif all(s["valid"] for s in sigs) and (record is None or is_latest):
            summary = "Mọi chữ ký số đều hợp lệ và tài liệu không bị thay đổi sau khi ký."
        elif all(s["valid"] for s in sigs):
            summary = "Các chữ ký hợp lệ, nhưng đây không phải bản ký mới nhất của hồ sơ."
        else:
            summary = "Có chữ ký không hợp lệ hoặc tài liệu đã bị thay đổi sau khi ký."
        return {
            "document_sha256": findings.sha256, "code": record.code if record else None,
            "known": record is not None, "latest": is_latest, "recalled": recalled,
            "recall_reason": record.recall_reason if recalled else None,
            "recalled_at": record.recalled_at.isoformat() if recalled else None,
            "recalled_at_text": format_vn(record.recalled_at) if recalled else None,
            "book_type": record.book_type if record else None,
            "signatures": sigs, "summary": summary,
        }

    def _inspect(self, stream: IO[bytes]) -> PdfFindings:
        roots, crls = self._authority.trust()
        return inspect_pdf(stream, trust_roots=roots, crls=crls, now=self._clock.now())

    def verify_upload(self, body: IO[bytes], content_length: int | None) -> dict[str, Any]:
        """Check an uploaded PDF (streamed to a temporary file, bounded)."""
        if content_length is not None and content_length > self._max:
            raise PayloadTooLarge(f"Tệp tối đa {self._max // (1024 * 1024)} MB.")
        with tempfile.TemporaryFile() as spool:
            size = 0
            digest = hashlib.sha256()
            for chunk in iter(lambda: body.read(1 << 20), b""):
                size += len(chunk)
                if size > self._max:
                    raise PayloadTooLarge(f"Tệp tối đa {self._max // (1024 * 1024)} MB.")
                digest.update(chunk)
                spool.write(chunk)
            record = SignedDocumentDoc.objects(signed_sha256s=digest.hexdigest()).first()
            return self._report(self._inspect(spool), record)

    def verify_code(self, code: str) -> dict[str, Any]:
        """Check the latest signed version of the document carrying ``code``."""
        record = SignedDocumentDoc.objects(code=normalise_code(code)).first()
        if record is None:
            raise NotFound("Không tìm thấy tài liệu có mã tra cứu này.")
        with tempfile.TemporaryFile() as spool:
            self._documents.fetch_pdf(record.tenant_id, record.latest_version_id, spool)
            return self._report(self._inspect(spool), record)

    @reads(RECALLED, "submission_id", "reason")
    def on_recalled(self, event: Event, data: Recalled) -> None:
        """Projection of ``approvals.submission.recalled``: mark the signed document recalled."""
        record = SignedDocumentDoc.objects(submission_id=data.submission_id, tenant_id=event.tenant).first()
        if record is None or record.recalled_at is not None:
            return
        record.recalled_at = datetime.fromisoformat(event.occurred_at)
        record.recall_reason = data.reason
        record.save()
        self._audit.append(action="signing.document.recalled", actor=event.actor or "approvals", tenant=event.tenant,
                           district=event.district, target=record.submission_id,
                           data={"code": record.code, "reason": record.recall_reason, "event": event.id},
                           on_behalf_of=event.on_behalf_of)
