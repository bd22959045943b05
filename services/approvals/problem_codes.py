"""Problem codes approvals answers with beyond the kernel's (``KERNEL_CODES``), declared in its OpenAPI.

The signing codes are also the ``reason_code`` of ``GET /submissions/{id}/signing-turn`` when
``may_sign`` is false; the signing service branches on them.
"""
from __future__ import annotations

PROBLEM_CODES: dict[str, str] = {
    "not-awaiting-signature": "The submission is not in the signing state.",
    "out-of-turn": "The person has a signature to make, but an earlier signing order is still open.",
    "not-a-signer": "The person has no signature to make on this submission.",
    "wrong-signing-step": "The order or role recorded is not the person's current signing step.",
    "document-changed": "The signed version or digest is not the approved one.",
    "unknown-document": "The named document is not in the school's records (as documents answered).",
    "not-document-owner": "The named document is not in a slot the submitter owes (as documents answered).",
    "unknown-version": "The named version is not that document's (as documents answered).",
    "digest-mismatch": "The SHA-256 given is not the stored version's (as documents answered).",
    "already-frozen": "Documents keeps the document frozen on another approved version.",
    "invalid-reminder-policy": "The school's reminder policy (offsets before due, escalation delays) is malformed.",
    "unknown-school": "Documents has no catalog for the school yet (not onboarded there); the recompute waits.",
}
