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


VERSION_UPLOADED = declare("documents.version.uploaded", VersionUploaded)
RENDITION_READY = declare("documents.version.rendition_ready", RenditionReady)
EXPORT_REQUESTED = declare("documents.export.requested", ExportRequested)
EXPORT_COMPLETED = declare("documents.export.completed", ExportCompleted)
LOCK_CREATED = declare("documents.lock.created", LockCreated)
LOCK_REMOVED = declare("documents.lock.removed", LockRemoved)
CATALOG_CHANGED = declare("documents.catalog.changed", CatalogChanged)
