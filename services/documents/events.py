"""The events the documents service publishes: names, versions and typed payloads (its contract)."""
from __future__ import annotations

from typing import Any, Literal

from services.kernel.events import EventData, declare


class VersionUploaded(EventData):
    """A new version stored: by a person's upload, or by a service (a signed or corrected version)."""

    version_id: str
    document_id: str
    book: str
    period: str
    format: str
    size: int
    sha256: str
    rendition_needed: bool
    school_year: str | None = None
    owner_key: str | None = None
    unit_id: str | None = None
    number: int | None = None
    #: set for a version a service stores (``signed``, ``correction``…), with what it derives from
    kind: str | None = None
    derived_from: str | None = None
    correction_id: str | None = None


class RenditionReady(EventData):
    version_id: str
    document_id: str
    sha256: str | None
    size: int


class ExportRequested(EventData):
    export_id: str
    kind: str
    filters: dict[str, Any]


class ExportCompleted(EventData):
    export_id: str
    kind: str
    sha256: str | None
    size: int
    files: int


class LockCreated(EventData):
    lock_id: str
    scope: dict[str, str | None]
    starts_at: str
    ends_at: str
    reason: str


class LockRemoved(EventData):
    lock_id: str


class CatalogChanged(EventData):
    """A catalog template changed at one tier (Sở, Phòng, trường): approvals derives obligations again."""

    tier: Literal["so", "phong", "truong"]
    owner_id: str
    version: str


class Finding(EventData):
    """An inspection finding (kết luận kiểm tra) on a document, a book, a teacher or the school.

    ``target_label`` is what people read ("Kế hoạch bài dạy — tuần 13 (24–28/11) — Nguyễn Thị Lan");
    ``notify`` the people this change concerns (for an opened or closed finding: the principal and
    the teacher concerned; for an answer: the inspector who wrote it).
    """

    finding: str
    campaign: str
    campaign_name: str
    school: str
    school_name: str
    target_kind: Literal["document", "book", "teacher", "school"]
    target_label: str
    severity: Literal["info", "minor", "major"]
    text: str
    due_on: str | None
    inspector: str
    inspector_name: str
    notify: list[str]
    state: Literal["open", "answered", "closed"]


class InspectionRecord(EventData):
    """The biên bản kiểm tra of one school in a campaign: drafted, then signed by the team head."""

    record: str
    campaign: str
    campaign_name: str
    school: str
    school_name: str
    version_id: str
    head: str
    state: Literal["draft", "signed"]
    notify: list[str]


VERSION_UPLOADED = declare("documents.version.uploaded", VersionUploaded)
RENDITION_READY = declare("documents.version.rendition_ready", RenditionReady)
EXPORT_REQUESTED = declare("documents.export.requested", ExportRequested)
EXPORT_COMPLETED = declare("documents.export.completed", ExportCompleted)
LOCK_CREATED = declare("documents.lock.created", LockCreated)
LOCK_REMOVED = declare("documents.lock.removed", LockRemoved)
CATALOG_CHANGED = declare("documents.catalog.changed", CatalogChanged)
FINDING_OPENED = declare("documents.finding.opened", Finding)
FINDING_ANSWERED = declare("documents.finding.answered", Finding)
FINDING_CLOSED = declare("documents.finding.closed", Finding)
#: drafted: the team head is asked to sign; signed: the school is told its biên bản is ready
RECORD_DRAFTED = declare("documents.inspection_record.drafted", InspectionRecord)
RECORD_SIGNED = declare("documents.inspection_record.signed", InspectionRecord)
