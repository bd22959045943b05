"""Compliance dashboards: one view of a province, an oversight unit or a school, from the running totals.

A view is one answer: the scope's own totals, one row per child (the province's units, the
unit's schools, the school's tổ and teachers) ranked worst first, and the scope's trend per
month of the school year. It costs a constant number of queries whatever the number of
schools or submissions: the child rows are one indexed query on the progress counters
(``ProgressDoc``), the totals and the trend one primary-key ``$in``, plus one read of the
identity projection for names and for the caller's right to the scope (the units projection,
``service_layer.units``, names a province's units and a unit's own view).

Who sees what: province staff (chuyên viên Sở) their province and every unit and school in
it; unit staff their unit and its schools; a principal, vice-principal or quản trị their school.
Any other scope id is 404. Every view by oversight staff is written to the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.approvals.adapters.documents import ProgressDoc, SchoolDoc
from services.approvals.service_layer.common import current_request_id
from services.approvals.service_layer.progress import ALL_BOOKS, progress_id
from services.approvals.service_layer.units import UnitsProjection
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.periods import PeriodError, parse_school_year, school_year_of_month
from services.kernel.permissions import (
    DISTRICT_ROLES, HIEU_TRUONG, PHO_HIEU_TRUONG, PROVINCE_ROLES, QUAN_TRI, require_principal,
)
from services.kernel.principal import Principal

READ_ACTION = "approvals.dashboard.read"
SCHOOL_VIEWERS = (HIEU_TRUONG, PHO_HIEU_TRUONG, QUAN_TRI)  # who in a school sees the whole school's view
#: level → (its own counter kind, the child kinds, the field the children carry the scope id in)
_SHAPE = {
    "province": ("province", ("district",), "province_id"),
    "unit": ("district", ("school",), "district_id"),
    "school": ("school", ("to", "teacher"), "tenant_id"),
}
FIGURES = ("owed", "on_time", "late", "missing", "awaiting", "awaiting_signature", "signing_overdue", "signed_late",
           "approved", "approval_seconds")


@dataclass(frozen=True)
class Scope:
    """The scope a caller asked for, once allowed: its level, id and the school projection when a school."""

    level: str
    id: str
    school: dict[str, Any] | None = None


def year_months(school_year: str) -> list[str]:
    """The twelve months of a school year, August (week 1 may fall due then) to July."""
    first, second = parse_school_year(school_year)
    return [f"{first}-{m:02d}" for m in range(8, 13)] + [f"{second}-{m:02d}" for m in range(1, 8)]


def figures(doc: dict[str, Any] | None) -> dict[str, Any]:
    """The counters of one document as the dashboard shows them (average delay in hours)."""
    d = doc or {}
    n = {k: max(0, int(d.get(k) or 0)) for k in FIGURES}
    approved, seconds = n.pop("approved"), n.pop("approval_seconds")
    owed = n["owed"]
    return {"owed": owed, "on_time": n["on_time"], "late": n["late"], "missing": n["missing"],
            "awaiting_approval": n["awaiting"], "awaiting_signature": n["awaiting_signature"],
            "signing_overdue": n["signing_overdue"], "signed_late": n["signed_late"], "approved": approved,
            "avg_approval_hours": round(seconds / approved / 3600, 1) if approved else None,
            "late_or_missing_share": round((n["late"] + n["missing"]) / owed, 4) if owed else 0.0}


def worst_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Highest share late or missing first, then most missing, then by name."""
    return sorted(rows, key=lambda r: (-r["late_or_missing_share"], -r["missing"], -r["late"], str(r["name"])))


class DashboardService:
    """Reads the dashboard views; the caller's right is checked against the identity projection."""

    def __init__(self, *, clock: Clock, audit_log: AuditLog, units: UnitsProjection) -> None:
        self.clock = clock
        self.audit = audit_log
        self.units = units

    def default_year(self) -> str:
        now = self.clock.now()
        return school_year_of_month(now.year, now.month)

    # ----- who may see which scope --------------------------------------------------------------
    def allowed(self, actor: Principal | None, level: str, scope_id: str) -> Scope:
        """The scope when the caller may see it; 404 for another's scope, 403 for school staff below the principal."""
        p = require_principal(actor)
        province_staff, unit_staff = bool(p.roles & PROVINCE_ROLES), bool(p.roles & DISTRICT_ROLES)
        if level == "province":
            if province_staff and p.province and scope_id == p.province:
                return Scope(level, scope_id)
            raise NotFound()
        if level == "unit":
            if (unit_staff and p.district and scope_id == p.district) or p.is_service:  # service: digests
                return Scope(level, scope_id)
            if province_staff and p.province and SchoolDoc._get_collection().find_one(
                    {"district_id": scope_id, "province_id": p.province}, {"_id": 1}):
                return Scope(level, scope_id)
            raise NotFound()
        if level != "school":
            raise NotFound()
        school = SchoolDoc._get_collection().find_one({"_id": scope_id}, {"name": 1, "units": 1, "district_id": 1,
                                                                            "province_id": 1})
        if school is None:
            raise NotFound()
        if p.is_service or (unit_staff and p.district and school.get("district_id") == p.district) or (
                province_staff and p.province and school.get("province_id") == p.province):
            return Scope(level, scope_id, school)
        if p.tenant == scope_id:
            if any(p.has_role(r) for r in SCHOOL_VIEWERS):
                return Scope(level, scope_id, school)
            raise Forbidden("Chỉ hiệu trưởng, phó hiệu trưởng, quản trị mới xem được bảng theo dõi của trường.")
        raise NotFound()

    # ----- the view ------------------------------------------------------------------------------
    def view(self, actor: Principal | None, level: str, scope_id: str, *, year: str | None = None,
             period: str | None = None, book: str | None = None, export: str = "json") -> dict[str, Any]:
        """One dashboard view: totals, child rows worst first, and the year's trend per month."""
        scope = self.allowed(actor, level, scope_id)
        answer = self.compute(scope, year=year, period=period, book=book)
        p = require_principal(actor)
        if p.tenant is None:  # oversight staff: the read is logged (the school sees it in its read log)
            self.audit.append(action=READ_ACTION, actor=p.sub, tenant=scope.id if level == "school" else None,
                              district=p.district, target=f"{level}:{scope.id}",
                              data={"year": answer["year"], "period": answer["period"], "book": answer["book"],
                                    "format": export},
                              request_id=current_request_id())
        return answer

    def compute(self, scope: Scope, *, year: str | None = None, period: str | None = None,
                book: str | None = None) -> dict[str, Any]:
        """The view of a scope already allowed (the caller's check, or the monthly report job's own)."""
        level = scope.level
        year = year or self.default_year()
        try:
            months = year_months(year)
        except PeriodError as exc:
            raise ValidationFailed(str(exc), field="year") from exc
        period = period or year
        if period != year and period not in months:
            raise ValidationFailed(f"Kỳ phải là năm học {year} hoặc một tháng của năm học đó (ví dụ {months[1]}).",
                                   field="period")
        book = book or ALL_BOOKS
        own_kind, child_kinds, parent_field = _SHAPE[level]
        coll = ProgressDoc._get_collection()
        hide = {"applied": 0}
        children = list(coll.find({"scope_kind": {"$in": list(child_kinds)}, parent_field: scope.id, "period": period,
                                   "book": book}, hide))
        own = {d["_id"]: d for d in coll.find(
            {"_id": {"$in": [progress_id(own_kind, scope.id, m, book) for m in [year, *months]]}}, hide)}
        rows = self._rows(scope, children)
        return {
            "level": level, "id": scope.id, "name": self._name(scope),
            "year": year, "period": period, "book": book,
            "total": figures(own.get(progress_id(own_kind, scope.id, year if period == year else period, book))),
            "rows": worst_first(rows),
            "trend": [{"period": m, **figures(own.get(progress_id(own_kind, scope.id, m, book)))} for m in months],
        }

    def _name(self, scope: Scope) -> str:
        """The scope as people call it: the school's or the unit's name (the id until it is known)."""
        if scope.level == "unit":
            unit = self.units.names([scope.id]).get(scope.id)
            return unit.name if unit is not None else scope.id
        return (scope.school or {}).get("name") or scope.id

    def _rows(self, scope: Scope, children: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One row per child; a unit's schools with nothing counted yet are listed with zeros."""
        if scope.level == "school":  # every tổ (not a class) of the school, zeros included, then its teachers
            all_units = (scope.school or {}).get("units") or []
            units = {u["id"]: u.get("name") or u["id"] for u in all_units}
            teams = {d["scope_id"]: d for d in children if d["scope_kind"] == "to"}
            team_ids = [u["id"] for u in all_units if u.get("kind") != "lop"] + [t for t in teams if t not in units]
            return [{"kind": "to", "id": tid, "name": units.get(tid, tid), **figures(teams.get(tid))} for tid in team_ids] + [
                {"kind": "teacher", "id": d["scope_id"], "name": d["scope_id"], "unit": d.get("unit_id"),
                 "unit_name": units.get(d.get("unit_id") or ""), **figures(d)}
                for d in children if d["scope_kind"] == "teacher"]
        if scope.level == "unit":
            names = {s["_id"]: s.get("name") or s["_id"]
                     for s in SchoolDoc._get_collection().find({"district_id": scope.id}, {"name": 1})}
            seen = {d["scope_id"]: d for d in children}
            return [{"kind": "school", "id": sid, "name": names.get(sid, sid), **figures(seen.get(sid))}
                    for sid in sorted(set(names) | set(seen))]
        units = self.units.of_province(scope.id)  # every unit of the province, zeros included, by name
        seen = {d["scope_id"]: d for d in children}
        return [{"kind": "unit", "id": uid, "name": units[uid].name if uid in units else uid,
                 "unit_kind": units[uid].kind if uid in units else None, **figures(seen.get(uid))}
                for uid in sorted(set(units) | set(seen))]

