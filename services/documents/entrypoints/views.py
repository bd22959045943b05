"""JSON shapes of records in API responses."""
from __future__ import annotations

from services.documents.adapters.records import DocumentRecord, ExportRecord, FolderRecord, VersionRecord
from services.kernel.periods import period_label


def document_view(d: DocumentRecord) -> dict:
    return {"id": d.id, "school": d.tenant_id, "school_year": d.school_year, "book": d.book, "period": d.period,
            "period_label": period_label(d.period),
            "owner_kind": d.owner_kind, "owner_key": d.owner_key, "unit_id": d.unit_id, "title": d.title,
            "status": d.status, "write_once": d.write_once, "version_count": d.version_count,
            "latest_version_id": d.latest_version_id, "approved_version_id": d.approved_version_id,
            "record_version_id": d.record_version_id or d.latest_version_id, "created_by": d.created_by,
            "created_at": d.created_at.isoformat(), "updated_at": d.updated_at.isoformat()}


def version_view(v: VersionRecord) -> dict:
    return {"id": v.id, "document_id": v.document_id, "number": v.number, "kind": v.kind, "file_name": v.file_name,
            "format": v.format, "content_type": v.content_type, "size": v.size, "sha256": v.sha256,
            "uploaded_by": v.uploaded_by, "uploaded_at": v.uploaded_at.isoformat(), "status": v.status,
            "derived_from": v.derived_from, "correction_id": v.correction_id, "signers": list(v.signers or []),
            "rendition_status": v.rendition_status, "rendition_error": v.rendition_error,
            "rendition_sha256": v.rendition_sha256}


def folder_view(f: FolderRecord) -> dict:
    return {"id": f.id, "school_year": f.school_year, "book": f.book, "book_name": f.book_name,
            "owner_kind": f.owner_kind, "owner_key": f.owner_key, "owner_name": f.owner_name, "unit_id": f.unit_id,
            "periods": list(f.periods)}


def export_view(e: ExportRecord) -> dict:
    percent = 100 if e.status == "done" else (int(100 * e.done / e.total) if e.total else 0)
    return {"id": e.id, "kind": e.kind, "filters": dict(e.filters), "status": e.status, "total": e.total,
            "done": e.done, "percent": percent, "size": e.size, "sha256": e.sha256, "error": e.error,
            "requested_at": e.requested_at.isoformat(),
            "file_url": f"/api/v1/exports/{e.id}/file" if e.status == "done" else None}
