"""Problem codes signing answers with beyond the kernel's (``KERNEL_CODES``), declared in its OpenAPI.

They are the ``code`` of each :class:`~services.signing.domain.errors.SigningRefused`; a batch
item that fails carries the same code.
"""
from __future__ import annotations

PROBLEM_CODES: dict[str, str] = {
    "signing-refused": "A signing request the service will not carry out (see detail).",
    "corrupt-pdf": "The file is not a valid PDF.",
    "encrypted-pdf": "The PDF is password-protected.",
    "broken-xref": "The PDF's cross-reference table is broken.",
    "wrong-pin": "The PIN is wrong (tries_left in detail).",
    "credential-locked": "The credential is locked after too many wrong PINs.",
    "certificate-expired": "The certificate is expired or not yet valid.",
    "certificate-revoked": "The certificate is revoked.",
    "certificate-not-yours": "The certificate does not name the caller.",
    "certificate-usage": "The certificate may not be used for signing.",
    "not-approved": "The submission is not approved (not awaiting signature).",
    "out-of-turn": "Not the signer's turn in the signing order.",
    "document-changed": "The document changed after approval.",
    "rendition-not-ready": "The document's PDF is not made yet.",
    "signature-mismatch": "The signature received does not match the signer's certificate.",
    "signature-rejected": "The signer refused on their device.",
    "signature-expired": "The remote signing request expired before it was confirmed.",
    "not-record-head": "Only the head of the inspection team (trưởng đoàn) signs its biên bản.",
    "record-signed": "The biên bản kiểm tra is signed already (signing twice gives no second signature).",
    "pairing-code-wrong": "The signing agent's pairing code is wrong (tries left in detail; the last try voids it).",
    "pairing-code-unusable": "The pairing code expired, was used already or was voided by wrong tries.",
    "agent-token-invalid": "The agent's token is unknown, expired, spent or for another job.",
    "key-path-not-immediate": "A biên bản is signed with a key the server uses at once (platform CA, PKCS#12).",
}
