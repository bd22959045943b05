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


DOCUMENT_SIGNED = declare("signing.document.signed", DocumentSigned)
