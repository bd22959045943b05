"""A school's read log: every cross-school read of its records, as each service's audit chain holds it.

``CrossTenantGrant.record_read`` writes one ``cross_tenant.read`` entry per read with the school as
``tenant``; this module lists one school's entries (tenant-isolated: the school is the caller's own)
with the filters of the page "Ai đã xem hồ sơ của trường" (which merges the lists of the services
and exports them), and the same list as a download (``format=csv`` or ``format=xlsx``, openpyxl):
one row per read, the columns of the page's own CSV, Vietnamese headers.
"""
from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO, StringIO
from typing import Any, Literal
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from pydantic import BaseModel, ConfigDict, Field

from .audit import AuditLog
from .tenancy import READ_ACTION

class ReadLogQuery(BaseModel):
    """The query string of ``GET /access-reads`` (each service that serves cross-school reads)."""

    model_config = ConfigDict(extra="forbid")

    person: str | None = Field(default=None, max_length=120)
    unit: str | None = Field(default=None, max_length=120)
    campaign: str | None = Field(default=None, max_length=64)
    since: date | None = None
    until: date | None = None
    #: ``json`` (the list), or the same rows as a ``csv`` or ``xlsx`` download
    format: Literal["json", "csv", "xlsx"] = "json"

    def filters(self) -> "ReadFilters":
        return ReadFilters(self.person, self.unit, self.campaign, self.since, self.until)


@dataclass(frozen=True)
class ReadFilters:
    """What the principal narrows the log to; every field optional."""

    person: str | None = None
    unit: str | None = None
    campaign: str | None = None
    since: date | None = None
    until: date | None = None


#: The ``what`` of reads that cover every school of a unit at once (a unit's progress view): each of
#: the unit's schools sees them in its log.
UNIT_WIDE = "unit_progress"


def school_reads(audit: AuditLog, school: str, district: str | None, filters: ReadFilters, *,
                 labels: Mapping[str, str], limit: int = 500) -> list[dict[str, Any]]:
    """The reads of ``school``'s records (and of views over its whole unit ``district``), newest
    first; ``labels`` names each record kind in Vietnamese."""
    match: dict[str, Any] = {"action": READ_ACTION, "$or": [
        {"tenant": school}, {"tenant": None, "district": district or school, "data.what": UNIT_WIDE}]}
    if filters.person:
        match["actor"] = filters.person
    if filters.unit:
        match["data.unit"] = filters.unit
    if filters.campaign:
        match["data.campaign"] = filters.campaign
    span: dict[str, str] = {}
    if filters.since:
        span["$gte"] = filters.since.isoformat()
    if filters.until:
        span["$lt"] = (filters.until + timedelta(days=1)).isoformat()
    if span:
        match["at"] = span
    return [_row(e, labels) for e in audit.entries(match=match, limit=limit)]


def _row(entry: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    data = entry.get("data") or {}
    what = str(data.get("what") or "")
    return {
        "at": entry["at"], "person": entry.get("actor"), "person_name": data.get("actor_name") or entry.get("actor"),
        "unit": data.get("unit"), "what": what, "what_label": labels.get(what, what), "object": entry.get("target"),
        "basis": data.get("basis") or "standing", "campaign": data.get("campaign"), "reason": data.get("reason"),
    }


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The download's columns: (header, how a row gives it); the same as the web page's CSV.
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Thời điểm", "at"), ("Người xem", "person_name"), ("Tài khoản", "person"), ("Đơn vị", "unit"),
    ("Đã xem", "what_label"), ("Mã đối tượng", "object"), ("Căn cứ", "basis"), ("Đợt kiểm tra", "campaign"),
    ("Lý do", "reason"),
)


def export_cells(row: Mapping[str, Any]) -> list[str]:
    """One read as the download's cells (the basis in words)."""
    basis = f"Đợt kiểm tra {row.get('campaign')}" if row.get("basis") == "campaign" else "Quyền quản lý thường xuyên"
    return [basis if key == "basis" else str(row.get(key) or "") for _, key in EXPORT_COLUMNS]


def export_bytes(rows: Sequence[Mapping[str, Any]], fmt: Literal["csv", "xlsx"]) -> bytes:
    """The rows as UTF-8 CSV (with BOM, for Excel) or as a workbook with one sheet “Lượt xem”."""
    header = [title for title, _ in EXPORT_COLUMNS]
    if fmt == "csv":
        text = StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(export_cells(r) for r in rows)
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Lượt xem"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append(export_cells(r))
    sheet.freeze_panes = "A2"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def export_response(rows: Sequence[Mapping[str, Any]], fmt: Literal["csv", "xlsx"], *, source: str) -> Response:
    """The rows as a download named after what the service holds (``tai-lieu``, ``phe-duyet``)."""
    name = f"ai-da-xem-ho-so-{source}.{fmt}"
    mimetype = XLSX if fmt == "xlsx" else "text/csv; charset=utf-8"
    disposition = f"attachment; filename=\"{quote(name, safe='-.')}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(export_bytes(rows, fmt), mimetype=mimetype,
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"})
