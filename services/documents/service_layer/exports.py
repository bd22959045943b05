"""Exports as background jobs with progress: an archival ZIP with a manifest, or a
print-ready merged PDF (A3 for books printed on A3, such as the sổ đăng bộ).

``POST /exports`` records the job with a ``documents.export.requested`` event in its
outbox; the export worker consumes it, builds the file on local disk (bounded memory),
stores it, and publishes ``documents.export.completed``.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import tempfile
import zipfile
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import RectangleObject

from services.documents.adapters.metered_reader import put_hashed
from services.documents.adapters.object_store import ObjectStore
from services.documents.adapters.records import DocumentRecord, ExportRecord, VersionRecord
from services.documents.adapters.repositories import Repositories
from services.documents.domain.file_names import download_name
from services.documents.domain.periods import PeriodError, takes_weeks
from services.documents.service_layer.access import CallerContext, require_school_staff
from services.documents.service_layer.templates import effective_catalog
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed
from services.documents.events import EXPORT_COMPLETED, EXPORT_REQUESTED, ExportRequested
from services.kernel.events import Event
from services.kernel.messaging import reads
from services.kernel.ids import new_id
from services.kernel.tenancy import TenantScope

log = logging.getLogger(__name__)
A3 = (841.89, 1190.55)
A4 = (595.28, 841.89)
MONTH = re.compile(r"^\d{4}-\d{2}$")
ARCHIVE_ROLES = frozenset({"hieu_truong", "pho_hieu_truong", "quan_tri", "van_thu"})


def _safe(part: str) -> str:
    return re.sub(r"[\x00-\x1f/\\:*?\"<>|]+", "_", part).strip(" .") or "_"


class Exports:
    def __init__(self, *, store: ObjectStore, clock: Clock, audit: AuditLog, work_dir: str) -> None:
        self._store = store
        self._clock = clock
        self._audit = audit
        self._work_dir = Path(work_dir)

    def request(self, ctx: CallerContext, *, kind: str, school_year: str, book: str | None, unit_id: str | None,
                periods: list[str]) -> ExportRecord:
        require_school_staff(ctx)
        actor = ctx.actor
        allowed = bool(actor.roles & ARCHIVE_ROLES) or (
            kind == "print" and unit_id is not None and unit_id in actor.units_with({"to_truong", "to_pho"}))
        if not allowed:
            raise Forbidden("Bạn không có quyền xuất hồ sơ này.")
        if unit_id and unit_id not in ctx.units:  # the same rule as a lock's scope: only this school's units
            raise ValidationFailed("Đơn vị không thuộc trường.", field="unit_id")
        if kind == "print" and not book:
            raise ValidationFailed("Bản in gộp cần chọn loại hồ sơ.", field="book")
        if book and not ctx.catalog.has(book):
            raise ValidationFailed("Loại hồ sơ không có trong danh mục của trường.", field="book")
        if book and takes_weeks(ctx.catalog.get(book)) and any(MONTH.match(x) for x in periods):
            periods = self._weeks_of_months(ctx, school_year, periods)
        p = ctx.principal
        filters = {k: v for k, v in {"school_year": school_year, "book": book, "unit_id": unit_id,
                                     "period__in": sorted(set(periods))}.items() if v}
        record = ExportRecord(id=new_id(), kind=kind, filters=filters, requested_by=p.sub,
                              requested_at=self._clock.now())
        record.record_event(EXPORT_REQUESTED.event({"export_id": record.id, "kind": kind, "filters": filters},
                                                   tenant=p.tenant, district=p.district, actor=p.sub))
        ctx.repos.exports.add(record)
        self._audit.append(action="documents.export.requested", actor=p.sub, tenant=p.tenant, district=p.district,
                           target=record.id, data={"kind": kind, "filters": filters})
        return record

    @staticmethod
    def _weeks_of_months(ctx: CallerContext, school_year: str, periods: list[str]) -> list[str]:
        """A weekly book's months as the weeks of the school's calendar whose Monday falls in them.

        Without the district's frame the weeks of a month are unknown: refused, never guessed.
        """
        weeks = ctx.repos.calendars.get(school_year)
        if weeks is None:
            raise ValidationFailed(f"Phòng GD&ĐT chưa công bố khung kế hoạch năm học {school_year}: chưa biết "
                                   "các tuần của tháng. Hãy chọn các tuần cần xuất.", field="period")
        try:
            return [w for x in periods for w in (weeks.of_month(x) if MONTH.match(x) else [x])]
        except PeriodError as exc:
            raise ValidationFailed(str(exc), field="period") from None

    def get(self, ctx: CallerContext, export_id: str) -> ExportRecord:
        record = ctx.repos.exports.get(export_id)
        if record.requested_by != ctx.principal.sub and not ctx.actor.is_leadership:
            raise NotFound()
        return record

    def file_of(self, ctx: CallerContext, export_id: str) -> ExportRecord:
        record = self.get(ctx, export_id)
        if record.status != "done":
            raise Conflict("Tệp xuất chưa sẵn sàng.", code="export-not-ready", extra={"status": record.status})
        return record

    @reads(EXPORT_REQUESTED, "export_id")
    def on_export_requested(self, event: Event, data: ExportRequested) -> None:
        """Build the requested export in the background."""
        self.run(tenant=event.tenant or "", district=event.district or "", export_id=data.export_id)

    def run(self, *, tenant: str, district: str, export_id: str) -> ExportRecord:
        """Build one export; progress is written as files are added."""
        repos = Repositories(TenantScope.school(tenant, district))
        record = repos.exports.get(export_id)
        if record.status in ("done", "failed"):
            return record
        documents = list(repos.documents.query(**record.filters).order_by("book", "period", "owner_key", "id"))
        record.status, record.total, record.done = "running", len(documents), 0
        record.save()
        self._work_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix="export-", dir=self._work_dir)
        os.close(fd)
        try:
            if record.kind == "zip":
                self._zip(repos, record, documents, Path(tmp))
                suffix = "zip"
            else:
                self._print(repos, record, documents, Path(tmp))
                suffix = "pdf"
            key = f"{tenant}/exports/{record.id}.{suffix}"
            stored, sha256 = put_hashed(self._store, key, tmp)
        except Exception as exc:  # a failed export is reported on the job, not lost
            log.warning("export %s failed", export_id, exc_info=True)
            record.status, record.error, record.finished_at = "failed", str(exc)[:500], self._clock.now()
            record.save()
            return record
        finally:
            Path(tmp).unlink(missing_ok=True)
        record.status, record.storage_key, record.size = "done", key, stored.size
        record.sha256, record.finished_at, record.done = sha256, self._clock.now(), record.total
        record.record_event(EXPORT_COMPLETED.event({"export_id": record.id, "kind": record.kind, "sha256": record.sha256,
                                                    "size": stored.size, "files": record.total},
                                                   tenant=tenant, district=district, actor=record.requested_by))
        record.save()
        self._audit.append(action="documents.export.completed", actor=record.requested_by, tenant=tenant,
                           district=district, target=record.id, data={"sha256": record.sha256, "files": record.total})
        return record

    @staticmethod
    def _latest(repos: Repositories, document: DocumentRecord) -> VersionRecord | None:
        """The version that stands for the document: the approved one (or its signed successor) once
        frozen, never a later unapproved upload; the latest upload of a draft."""
        wanted = document.record_version_id or document.approved_version_id or document.latest_version_id
        return repos.versions.query(id=wanted).first() if wanted else None

    def _progress(self, repos: Repositories, record: ExportRecord, done: int) -> None:
        repos.exports.query(id=record.id).update(set__done=done)

    def _zip(self, repos: Repositories, record: ExportRecord, documents: list[DocumentRecord], path: Path) -> None:
        school = repos.schools.query(id=record.tenant_id).first()
        catalog = effective_catalog(school) if school else None
        manifest = []
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for index, document in enumerate(documents, start=1):
                version = self._latest(repos, document)
                if version is not None:
                    shown = download_name(version.file_name, version.format)
                    name = "/".join([_safe(document.book), _safe(document.period), _safe(document.owner_key),
                                     f"{document.id}-v{version.number}-{_safe(shown)}"])
                    with archive.open(zipfile.ZipInfo(name, date_time=version.uploaded_at.timetuple()[:6]), "w",
                                      force_zip64=True) as out:
                        for chunk in self._store.iter_chunks(version.storage_key):
                            out.write(chunk)
                    signed = [v for v in repos.versions.query(document_id=document.id, kind="signed").order_by("number")]
                    manifest.append({
                        "file": name, "book": document.book,
                        "book_name": catalog.get(document.book).name if catalog and catalog.has(document.book) else "",
                        "period": document.period, "owner": document.owner_key, "unit": document.unit_id or "",
                        "title": document.title, "version": version.number, "sha256": version.sha256,
                        "size": version.size, "status": document.status, "version_id": version.id,
                        "approved_version_id": document.approved_version_id,
                        "signatures": [{"version_id": v.id, "sha256": v.sha256, "signers": v.signers} for v in signed],
                    })
                self._progress(repos, record, index)
            archive.writestr("manifest.json", json.dumps({"export_id": record.id, "school": record.tenant_id,
                                                          "filters": record.filters, "files": manifest},
                                                         ensure_ascii=False, indent=2))
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(["file", "book", "period", "owner", "sha256", "signatures"])
            for row in manifest:
                signers = "; ".join(",".join(str(s.get("name") or s.get("sub") or "") for s in sig["signers"]) or sig["version_id"]
                                    for sig in row["signatures"])
                writer.writerow([row["file"], row["book"], row["period"], row["owner"], row["sha256"], signers])
            archive.writestr("manifest.csv", "\ufeff" + text.getvalue())

    def _print(self, repos: Repositories, record: ExportRecord, documents: list[DocumentRecord], path: Path) -> None:
        school = repos.schools.query(id=record.tenant_id).first()
        catalog = effective_catalog(school) if school else None
        book = catalog.get(record.filters["book"]) if catalog else None
        size = A3 if book is not None and book.print_format == "A3" else A4
        writer = PdfWriter()
        handles = []
        try:
            for index, document in enumerate(documents, start=1):
                version = self._latest(repos, document)
                if version is not None:
                    key = version.storage_key if version.format == "pdf" else (
                        version.rendition_key if version.rendition_status == "ready" else None)
                    if key:
                        handle = self._store.open(key)
                        handles.append(handle)
                        for page in PdfReader(handle).pages:
                            _fit(page, size)
                            writer.add_page(page)
                self._progress(repos, record, index)
            if not writer.pages:
                raise ValueError("Không có tệp PDF nào để in.")
            with open(path, "wb") as out:
                writer.write(out)
        finally:
            for handle in handles:
                handle.close()


def _fit(page: PageObject, size: tuple[float, float]) -> None:
    """Scale a page to fit ``size`` (portrait), keeping its proportions."""
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    factor = min(size[0] / width, size[1] / height)
    page.scale_by(factor)
    page.mediabox = RectangleObject((0, 0, size[0], size[1]))
    page.cropbox = RectangleObject((0, 0, size[0], size[1]))
