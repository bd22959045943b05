"""A school's read log: every cross-school read of its records, as each service's audit chain holds it.

``CrossTenantGrant.record_read`` writes one ``cross_tenant.read`` entry per read with the school as
``tenant``; this module lists one school's entries (tenant-isolated: the school is the caller's own)
with the filters of the page "Ai đã xem hồ sơ của trường" (which merges the lists of the services
and exports them).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

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
