"""A school's read log: every cross-school read of its records, as each service's audit chain holds it.

``CrossTenantGrant.record_read`` writes one ``cross_tenant.read`` entry per read with the school as
``tenant``; this module lists one school's entries (tenant-isolated: the school is the caller's own)
with the filters of the page "Ai đã xem hồ sơ của trường" and writes them as CSV.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .audit import AuditLog
from .tenancy import READ_ACTION

#: Column headers of the export, in the order of ``ReadRow`` fields.
CSV_HEADERS = ("Thời điểm", "Người xem", "Tài khoản", "Đơn vị", "Đối tượng", "Mã đối tượng", "Căn cứ", "Đợt kiểm tra",
               "Lý do")

BASIS_LABELS = {"campaign": "Đợt kiểm tra", "standing": "Quyền quản lý thường xuyên"}


@dataclass(frozen=True)
class ReadFilters:
    """What the principal narrows the log to; every field optional."""

    person: str | None = None
    unit: str | None = None
    campaign: str | None = None
    since: date | None = None
    until: date | None = None


def school_reads(audit: AuditLog, school: str, filters: ReadFilters, *, labels: Mapping[str, str],
                 limit: int = 500) -> list[dict[str, Any]]:
    """The reads of ``school``'s records, newest first; ``labels`` names each record kind in Vietnamese."""
    match: dict[str, Any] = {"action": READ_ACTION}
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
    return [_row(e, labels) for e in audit.entries(tenant=school, match=match, limit=limit)]


def _row(entry: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    data = entry.get("data") or {}
    what = str(data.get("what") or "")
    return {
        "at": entry["at"], "person": entry.get("actor"), "person_name": data.get("actor_name") or entry.get("actor"),
        "unit": data.get("unit"), "what": what, "what_label": labels.get(what, what), "object": entry.get("target"),
        "basis": data.get("basis") or "standing", "campaign": data.get("campaign"), "reason": data.get("reason"),
    }


def reads_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV (UTF-8 with BOM added by the caller for spreadsheet programs)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    for r in rows:
        writer.writerow([r["at"], r["person_name"], r["person"], r["unit"] or "", r["what_label"], r["object"] or "",
                         BASIS_LABELS.get(r["basis"], r["basis"]), r["campaign"] or "", r["reason"] or ""])
    return out.getvalue()
