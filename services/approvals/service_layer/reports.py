"""Monthly compliance reports: built on the 1st of each month for every oversight unit and for the Sở.

``run_monthly`` is a scheduler job. From the 1st of a month (Asia/Ho_Chi_Minh) it builds, for
each oversight unit that has schools and for each province above them, the previous month's
dashboard view as a PDF with charts and as an XLSX, stores both in one report record and
publishes ``approvals.report.monthly`` with it. A report that already exists is skipped, and
the record's unique (level, scope, month) index decides a race between two runs or two
replicas: the loser's insert fails, so there is one report and one event. A day the
scheduler missed is caught up by the next run.

Reading: a unit's staff read their unit's reports, the Sở's staff their province's and those
of every unit in it (the dashboards' rule); any other report id is 404. Building and each
download are audit entries.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from services.approvals.adapters.documents import SchoolDoc
from services.approvals.adapters.report_pdf import on_time_percent, report_pdf
from services.approvals.adapters.reports import SUMMARY_FIELDS, MonthlyReportDoc, claim
from services.approvals.events import MONTHLY_REPORT
from services.approvals.service_layer.common import current_request_id
from services.approvals.service_layer.dashboards import DashboardService, Scope
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import NotFound
from services.kernel.ids import new_id
from services.kernel.pagination import paginate
from services.kernel.periods import period_label
from services.kernel.principal import Principal
from services.kernel.permissions import require_principal
from services.kernel.vntime import to_vn

BUILT_ACTION = "approvals.report.built"
READ_ACTION = "approvals.report.read"
#: the page of the web app that lists a scope's monthly reports (the event's link opens it on one report)
REPORTS_PAGE = "/phong"
Workbook = Callable[[dict[str, Any]], bytes]


def previous_month(now: datetime) -> str:
    """``YYYY-MM`` of the month before ``now``'s month in Vietnam."""
    first = to_vn(now).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def dashboard_year(month: str) -> str:
    """The school year whose dashboard months (August to July) hold ``month``: August opens the next one."""
    year, mm = (int(x) for x in month.split("-"))
    first = year if mm >= 8 else year - 1
    return f"{first}-{first + 1}"


def month_label(month: str) -> str:
    """``tháng 11/2026`` for ``2026-11`` (lower case, as it reads inside a sentence)."""
    label = period_label(month)
    return label[:1].lower() + label[1:]


def summary(doc: MonthlyReportDoc) -> dict[str, Any]:
    """A report as lists show it, with the two download paths."""
    out = {k: getattr(doc, k) for k in SUMMARY_FIELDS}
    out["built_at"] = to_vn(doc.built_at).isoformat()
    out["files"] = {f: f"/reports/{doc.id}/file?format={f}" for f in ("pdf", "xlsx")}
    return out


class ReportService:
    """Builds, lists and serves the monthly reports; who may read them is the dashboards' rule."""

    def __init__(self, *, clock: Clock, audit_log: AuditLog, dashboards: DashboardService, workbook: Workbook) -> None:
        self.clock = clock
        self.audit = audit_log
        self.dashboards = dashboards
        self.workbook = workbook

    # ----- the scheduler job -------------------------------------------------------------------------
    def run_monthly(self, now: datetime | None = None) -> int:
        """Build the previous month's missing reports; returns how many this run stored."""
        now = now or self.clock.now()
        month = previous_month(now)
        done = {(d["level"], d["scope_id"]) for d in MonthlyReportDoc._get_collection().find(
            {"month": month}, {"level": 1, "scope_id": 1})}
        built = 0
        for level, scope_id, district, province, schools in self._scopes():
            if (level, scope_id) not in done:
                built += self._build(level, scope_id, district, province, schools, month, now)
        return built

    def _scopes(self) -> list[tuple[str, str, str | None, str | None, int]]:
        """Every oversight unit with schools, then every province above them: (level, id, unit, province, schools)."""
        units = list(SchoolDoc._get_collection().aggregate([
            {"$group": {"_id": "$district_id", "province": {"$first": "$province_id"}, "schools": {"$sum": 1}}},
            {"$sort": {"_id": 1}}]))
        provinces: dict[str, int] = {}
        for u in units:
            if u.get("province"):
                provinces[u["province"]] = provinces.get(u["province"], 0) + u["schools"]
        return [("unit", u["_id"], u["_id"], u.get("province"), u["schools"]) for u in units if u["_id"]] + [
            ("province", p, None, p, n) for p, n in sorted(provinces.items())]

    def _build(self, level: str, scope_id: str, district: str | None, province: str | None, schools: int,
               month: str, now: datetime) -> int:
        """Render and claim one report (1), or 0 when another run claimed it first."""
        school_year = dashboard_year(month)
        view = self.dashboards.compute(Scope(level, scope_id), year=school_year, period=month)
        name, total, label = view["name"], view["total"], month_label(month)
        percent = on_time_percent(total) or 0.0
        report = MonthlyReportDoc(
            id=new_id(), level=level, scope_id=scope_id, district_id=district, province_id=province, unit_name=name,
            month=month, school_year=school_year, month_label=label, schools=schools, owed=total["owed"],
            on_time=total["on_time"], late=total["late"], missing=total["missing"], on_time_percent=percent,
            built_at=now, pdf=report_pdf(view, made_at=now, unit_name=name), xlsx=self.workbook(view))
        report.record_event(MONTHLY_REPORT.event(
            {"district_id": district if level == "unit" else None, "province_id": province, "unit_name": name,
             "month": month, "month_label": label, "link": f"{REPORTS_PAGE}?bao-cao={report.id}", "schools": schools,
             "on_time_percent": percent},
            tenant=None, district=district, actor=None, on_behalf_of=None, occurred_at=now.isoformat()))
        if not claim(report):
            return 0
        self.audit.append(action=BUILT_ACTION, actor="system", tenant=None, district=district,
                          target=f"report:{report.id}", data={"level": level, "scope": scope_id, "month": month},
                          request_id=current_request_id())
        return 1

    # ----- reading -----------------------------------------------------------------------------------
    def reports(self, actor: Principal | None, level: str, scope_id: str, *, cursor: str | None,
             limit: int) -> dict[str, Any]:
        """A scope's monthly reports, newest first (404 for a scope the caller may not see)."""
        self.dashboards.allowed(actor, level, scope_id)
        qs = MonthlyReportDoc.objects(level=level, scope_id=scope_id).only(*SUMMARY_FIELDS)
        items, next_cursor = paginate(qs, cursor=cursor, limit=limit, descending=True)
        return {"items": [summary(d) for d in items], "next_cursor": next_cursor}

    def file(self, actor: Principal | None, report_id: str, fmt: str) -> tuple[MonthlyReportDoc, bytes]:
        """The report and one of its files; another scope's report is 404, like a missing one."""
        doc = MonthlyReportDoc.objects(id=report_id).only(*SUMMARY_FIELDS, fmt).first()
        if doc is None:
            raise NotFound()  # the same answer as another scope's report
        self.dashboards.allowed(actor, doc.level, doc.scope_id)
        p = require_principal(actor)
        self.audit.append(action=READ_ACTION, actor=p.sub, tenant=None, district=p.district,
                          target=f"report:{doc.id}", data={"format": fmt, "month": doc.month},
                          request_id=current_request_id())
        return doc, bytes(getattr(doc, fmt))
