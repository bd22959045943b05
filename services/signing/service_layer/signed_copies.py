"""The signed copy of a submission for the people of its school: which version to open and print.

The văn thư, the GVCN and the principal need the signed PDF (with its stamps and QR code) in
hand, not the unsigned original. Signing keeps, per submission, the latest signed version in
documents; this module names it with the document's code and its signatures so far. Reading
the bytes goes through documents, which applies its own visibility rules.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from services.kernel.errors import NotFound
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope
from services.kernel.vntime import format_vn
from services.signing.adapters.records import SignedDocumentDoc
from services.signing.service_layer.signing import SignedDocumentRepository


def _signature(s: dict[str, Any]) -> dict[str, Any]:
    at = s.get("signed_at")
    at = at if isinstance(at, datetime) else None
    return {"order": s.get("order"), "role": s.get("role"), "signer": s.get("signer"),
            "on_behalf_of": s.get("on_behalf_of"), "organisation": bool(s.get("organisation")),
            "signed_at": at.isoformat() if at else None, "signed_at_text": format_vn(at) if at else None}


class SignedCopies:
    """Signed copies of one school's submissions, read by that school's staff."""

    def __init__(self, *, verify_page: str) -> None:
        self._verify_page = verify_page.rstrip("/")

    def of_submission(self, principal: Principal, submission_id: str) -> dict[str, Any]:
        """The latest signed version of ``submission_id``; 404 when nothing is signed yet or it is another school's."""
        record: SignedDocumentDoc | None = SignedDocumentRepository(scope=TenantScope.for_principal(principal)).query(
            submission_id=submission_id).first()
        if record is None:
            raise NotFound("Hồ sơ này chưa có bản ký số.")
        return {
            "submission_id": record.submission_id, "code": record.code,
            "version_id": record.latest_version_id, "sha256": record.latest_sha256,
            "signatures": [_signature(s) for s in sorted(record.signatures, key=lambda s: s.get("order") or 0)],
            "recalled": record.recalled_at is not None, "recall_reason": record.recall_reason,
            "verify_url": f"{self._verify_page}/{record.code}",
        }
