"""Problem codes documents answers with beyond the kernel's (``KERNEL_CODES``), declared in its OpenAPI.

Approvals and signing branch on the internal routes' codes (unknown-document, not-document-owner,
unknown-version, digest-mismatch, already-frozen, rendition-not-ready, not-record-version).
"""
from __future__ import annotations

PROBLEM_CODES: dict[str, str] = {
    "unknown-document": "The named document is not in the school's records (or does not exist).",
    "not-document-owner": "The named document is not in a slot the person owes.",
    "unknown-version": "The named version is not that document's.",
    "digest-mismatch": "The SHA-256 given is not the stored version's.",
    "already-frozen": "The document is already frozen on another approved version.",
    "not-record-version": "Signing a frozen record on a version other than its approved (or latest signed) one.",
    "rendition-not-ready": "The PDF rendition of an office file is not made yet.",
    "export-not-ready": "The export is not finished yet.",
    "link-expired": "The signed download link has expired.",
    "catalog-loosening": "A template would loosen a rule of the level above.",
    "write-once": "A stored version or file cannot be overwritten.",
    "not-owner": "The caller does not owe this book (or this slot).",
    "empty-file": "The uploaded file is empty.",
    "invalid-file": "The uploaded file cannot be read as the type it claims.",
    "wrong-file-type": "The book does not take this kind of file.",
    "upload-interrupted": "The upload stopped before the whole file arrived.",
    "storage-unavailable": "The object store cannot be reached.",
    "encrypted-pdf": "The uploaded PDF is password-protected, so it could never be signed.",
    "offset-mismatch": "A resumable upload's PATCH names an offset other than the bytes the server holds (ask with HEAD).",
    "tus-version": "A resumable upload request without Tus-Resumable: 1.0.0, the one tus version served.",
    "broken-pdf": "The uploaded PDF is broken beyond repair.",
    "finding-closed": "The inspection finding is closed: it takes no answer and cannot be closed again.",
    "finding-note-required": "Closing a finding the school has not answered needs a note.",
    "not-finding-answerer": "Only the principal, or the teacher the finding concerns, answers it.",
    "record-signed": "The inspection record (biên bản kiểm tra) is signed already: it is final.",
    "not-record-head": "Only the head of the inspection team (trưởng đoàn) signs its biên bản.",
}
