"""The events the signing service publishes: names, versions and typed payloads (its contract)."""
from __future__ import annotations

from services.kernel.events import EventData, declare


class DocumentSigned(EventData):
    """One signature applied to a submission's document (``code`` is the public verification code)."""

    submission_id: str
    document_id: str
    code: str
    order: int
    role: str
    version_id: str
    sha256: str
    key_path: str
    level: str


class BatchEnded(EventData):
    """A signing batch (one authorisation for many submissions) ended: the signer is told.

    ``signer`` is who signed (``on_behalf_of`` the person they signed for, by delegation);
    ``signed`` + ``failed`` = ``total``. A failed batch (wrong PIN, refused on the phone, expired)
    carries the Vietnamese ``reason``; a finished one may still have failed items.
    """

    batch_id: str
    signer: str
    on_behalf_of: str | None = None
    key_path: str
    total: int
    signed: int
    failed: int
    reason: str | None = None


DOCUMENT_SIGNED = declare("signing.document.signed", DocumentSigned)
BATCH_FINISHED = declare("signing.batch.finished", BatchEnded)
BATCH_FAILED = declare("signing.batch.failed", BatchEnded)
