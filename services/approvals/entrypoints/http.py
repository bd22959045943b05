"""HTTP API of the approvals service (``/api/v1``): quy chế, calendar, obligations, submissions, progress."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import quote

from flask import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from services.approvals.bootstrap import Container
from services.approvals.adapters.report_pdf import PDF, report_pdf
from services.approvals.entrypoints.xlsx import XLSX, xlsx_response
from services.approvals.adapters.repositories import aware
from services.approvals.domain.calendar import EVENT_NAMES, TIMEZONE, Holiday, SchoolCalendar, SchoolYearFrame, event_name
from services.kernel.periods import week_period
from services.approvals.domain.deadlines import rule_to_data
from services.approvals.service_layer.common import domain_errors
from services.approvals.service_layer.read_log import record_progress_read, school_log
from services.approvals.service_layer.setup import REMOVED_BOOK
from services.kernel.api import Api
from services.kernel.context import current_principal
from services.kernel.errors import ValidationFailed
from services.kernel.permissions import require_principal
from services.kernel.read_log import XLSX as READ_LOG_XLSX, ReadLogQuery, export_response
from services.kernel.tenancy import TenantScope

Sha256 = Field(pattern=r"^[0-9a-f]{64}$")
Id = Field(min_length=1, max_length=200)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HolidayIn(_In):
    name: str = Field(min_length=1, max_length=200)
    first_day: date
    last_day: date


class FrameIn(_In):
    opening_day: date
    semester_1_end: date
    closing_day: date
    holidays: list[HolidayIn] = []
    points: dict[str, date] = {}
    first_teaching_week: date | None = None  # the Monday of tuần 1 (default: opening week, or next if Thu–Sun)


class HolidayShiftIn(_In):
    shift_holidays: bool  # a due day in a holiday moves to the last school day before it


class EventsIn(_In):
    events: dict[str, date]


class RuleIn(_In):
    rule: dict[str, Any]


class ReminderPolicyIn(_In):
    reminders: dict[str, Any]


class DueQuery(_In):
    start: datetime = Field(alias="from")
    to: datetime
    cursor: str | None = None
    limit: int = Field(default=200, ge=1, le=200)


class BeforeOut(BaseModel):
    days_before: int
    at: str


class ReminderPolicyOut(BaseModel):
    before: list[BeforeOut]
    escalate_approver_after_days: int
    escalate_principal_after_days: int


class DueItem(BaseModel):
    """One open obligation as notifications' reminder job reads it."""

    id: str
    school: str
    district: str | None
    owner: str
    owner_name: str | None
    book_type: str
    book_name: str
    period_key: str
    period_label: str
    due_at: str
    approvers: list[str]
    principal: str | None
    policy: ReminderPolicyOut


class DuePage(BaseModel):
    items: list[DueItem]
    next_cursor: str | None


class DistrictRuleIn(_In):
    rule: dict[str, Any]
    level: Literal["mam_non", "tieu_hoc", "thcs", "thpt"] | None = None


class ChainIn(_In):
    chain: dict[str, Any]
    unit_kind: Literal["to_chuyen_mon", "to_van_phong"] | None = None


class SubmissionIn(_In):
    obligation_id: str = Id
    document_id: str = Id
    version_id: str = Id
    sha256: str = Sha256
    submit: bool = True


class VersionIn(_In):
    version_id: str = Id
    sha256: str = Sha256


class DecisionIn(_In):
    decision: Literal["approve", "return"]
    comment: str | None = Field(default=None, max_length=5000)


class CommentIn(_In):
    comment: str = Field(min_length=1, max_length=5000)


class SignatureIn(_In):
    signer: str = Id
    on_behalf_of: str | None = None
    role: str = Id
    order: int = Field(ge=1, le=10)
    signed_version_id: str = Id
    signed_sha256: str = Sha256
    signed_at: datetime


class ActorIn(_In):
    actor: str | None = None


class RecallIn(_In):
    reason: str = Field(min_length=1, max_length=2000)
    actor: str | None = None


class BulkApproveIn(_In):
    submission_ids: list[str] = Field(min_length=1, max_length=200)
    comment: str | None = Field(default=None, max_length=5000)


class CorrectionIn(_In):
    submission_id: str = Id
    reason: str = Field(min_length=1, max_length=5000)
    version_id: str = Id
    sha256: str = Sha256


class ConsentIn(_In):
    consent: bool
    comment: str | None = Field(default=None, max_length=5000)


class TurnQuery(_In):
    signer: str = Id


class InspectQuery(_In):
    campaign: str | None = Field(default=None, max_length=64)
    school: str | None = Field(default=None, max_length=120)
    reason: str | None = Field(default=None, max_length=500)


class PageQuery(_In):
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = Field(default=50, ge=1, le=200)


class ObligationQuery(PageQuery):
    year: str | None = None


class ProgressQuery(_In):
    scope: Literal["to", "school", "district"] = "school"
    id: str | None = None
    period: str = Field(min_length=4, max_length=20)


class DashboardQuery(_In):
    year: str | None = Field(default=None, min_length=9, max_length=9)  # school year, e.g. 2025-2026
    period: str | None = Field(default=None, min_length=4, max_length=20)  # the year or one of its months
    book: str | None = Field(default=None, min_length=1, max_length=100)  # a book type; all books when absent
    format: Literal["json", "xlsx", "pdf"] = "json"


class ReportsQuery(PageQuery):
    unit: str | None = Field(default=None, min_length=1, max_length=200)  # an oversight unit's id
    province: str | None = Field(default=None, min_length=1, max_length=200)  # the Sở's own reports


class ReportFileQuery(_In):
    format: Literal["pdf", "xlsx"] = "pdf"


class SigningStepOut(BaseModel):
    order: int
    role: str
    signer: str | None
    organisation: bool
    signed_by: str | None
    on_behalf_of: str | None
    signed_at: str | None
    version_id: str | None


class SigningOut(BaseModel):
    steps: list[SigningStepOut]
    next_order: int | None


class SubmissionOut(BaseModel):
    """A submission as the UI and the signing service read it (the contract fields are typed)."""

    model_config = ConfigDict(extra="allow")
    id: str
    tenant: str
    district: str
    book_type: str
    state: str
    document_id: str
    current_version_id: str | None
    current_version_sha256: str | None
    signing: SigningOut


def _me():
    return require_principal(current_principal())


def _download(data: bytes, mimetype: str, name: str) -> Response:
    """A private download whose file name keeps its diacritics (RFC 6266 ``filename*``)."""
    name = name.replace("/", "-")
    disposition = f"attachment; filename=\"{quote(name, safe='-.')}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": disposition,
                                                      "Cache-Control": "private, no-store"})


def approvals_blueprint(c: Container, api: Api) -> Blueprint:
    bp = Blueprint("approvals", __name__, url_prefix="/api/v1")
    route = api.route

    # ----- calendar --------------------------------------------------------------------------------
    @route(bp, "/calendar/frames/<year>", methods=["PUT"], body=FrameIn, tags=["calendar"])
    def put_frame(year: str, body: FrameIn) -> dict:
        """Publish the district's school-year frame (Phòng GD&ĐT)."""
        c.setup.require_district_staff(_me())
        with domain_errors():
            frame = SchoolYearFrame(year, body.opening_day, body.semester_1_end, body.closing_day,
                                    tuple(Holiday(h.name, h.first_day, h.last_day) for h in body.holidays),
                                    dict(body.points), body.first_teaching_week)
        c.setup.publish_frame(_me(), frame)
        return {"year": year, "published": True}

    def calendar_view(year: str, cal: SchoolCalendar) -> dict:
        """A school year's calendar as the API shows it: frame dates, points, events with their names, weeks."""
        return {"year": year, "opening_day": cal.frame.opening_day.isoformat(),
                "semester_1_end": cal.frame.semester_1_end.isoformat(), "closing_day": cal.frame.closing_day.isoformat(),
                "first_teaching_week": cal.frame.teaching_week_1.isoformat(), "shift_holidays": cal.shift_holidays,
                "holidays": [{"name": h.name, "first_day": h.first_day.isoformat(), "last_day": h.last_day.isoformat()}
                             for h in cal.frame.holidays],
                "points": {k: v.isoformat() for k, v in cal.frame.points.items()},
                "events": {k: v.isoformat() for k, v in cal.events.items()},
                "names": {k: event_name(k) for k in (*EVENT_NAMES, *cal.frame.points, *cal.events)},
                "named": [{"event": slug, "name": name, "date": day.isoformat()} for slug, name, day in cal.named_dates()],
                "weeks": [{"number": w.number, "key": week_period(year, w.number).key, "monday": w.monday.isoformat(),
                           "teaching": w.is_teaching}
                          for w in cal.weeks()]}

    @route(bp, "/calendar/frames/<year>", tags=["calendar"])
    def get_frame(year: str) -> dict:
        """The district's published frame of a school year, for its staff (no school's events)."""
        return calendar_view(year, SchoolCalendar(c.setup.frame(_me(), year)))

    @route(bp, "/calendar/<year>", tags=["calendar"])
    def get_calendar(year: str) -> dict:
        """The school's calendar: the district frame, the school's events and every week."""
        return calendar_view(year, c.setup.calendar(_me(), year))

    @route(bp, "/calendar/<year>/events", methods=["PUT"], body=EventsIn, tags=["calendar"])
    def put_events(year: str, body: EventsIn) -> dict:
        """The principal sets the school's own events (Đại hội Liên đội, lễ tổng kết)."""
        cal = c.setup.set_events(_me(), year, dict(body.events))
        return {"year": year, "events": {k: v.isoformat() for k, v in cal.events.items()}}

    # ----- quy chế -----------------------------------------------------------------------------------
    @route(bp, "/rules", tags=["rules"])
    def list_rules() -> dict:
        """Every book item with the district floor and the school's rule side by side."""
        return {"items": c.setup.rule_view(_me())}

    @route(bp, "/rules/holiday-shift", methods=["PUT"], body=HolidayShiftIn, tags=["rules"])
    def put_holiday_shift(body: HolidayShiftIn) -> dict:
        """The principal chooses whether due days falling in a holiday move to the last school day before it."""
        return {"shift_holidays": c.setup.set_holiday_shift(_me(), body.shift_holidays)}

    @route(bp, "/rules/reminders", tags=["rules"])
    def get_reminder_policy() -> dict:
        """When the school's people are reminded before a deadline and escalated after it."""
        policy = c.setup.reminder_policy(_me())
        return {"reminders": policy.to_data(), "text": policy.describe()}

    @route(bp, "/rules/reminders", methods=["PUT"], body=ReminderPolicyIn, tags=["rules"])
    def put_reminder_policy(body: ReminderPolicyIn) -> dict:
        """The principal sets the reminder offsets and escalation delays of the school."""
        policy = c.setup.set_reminder_policy(_me(), body.reminders)
        return {"reminders": policy.to_data(), "text": policy.describe()}

    @route(bp, "/rules/<book_type>/<item>", methods=["PUT"], body=RuleIn, tags=["rules"])
    def put_rule(book_type: str, item: str, body: RuleIn) -> dict:
        """The principal sets the school's deadline: equal to or stricter than the district's."""
        rule = c.setup.set_rule(_me(), book_type, item, body.rule)
        return {"book_type": book_type, "item": item, "rule": rule_to_data(rule), "text": rule.describe()}

    @route(bp, "/district/rules", tags=["rules"])
    def list_district_rules() -> dict:
        """The district's floor for every book item (catalog default unless the district set one)."""
        return {"items": c.setup.district_rule_view(_me())}

    @route(bp, "/district/rules/<book_type>/<item>", methods=["PUT"], body=DistrictRuleIn, tags=["rules"])
    def put_district_rule(book_type: str, item: str, body: DistrictRuleIn) -> dict:
        """The trưởng phòng sets the district floor for a book item (optionally for one level)."""
        rule = c.setup.set_district_rule(_me(), book_type, item, body.level, body.rule)
        return {"book_type": book_type, "item": item, "level": body.level, "rule": rule_to_data(rule),
                "text": rule.describe()}

    @route(bp, "/chains/<book_type>", tags=["rules"])
    def get_chain(book_type: str) -> dict:
        """The approval chain in force for a book type in my school."""
        p = _me()
        scope = TenantScope.for_principal(p)
        chain = c.setup.chain_for(scope.tenant or "", scope.district or "", book_type, None)
        return {"book_type": book_type, "chain": chain.model_dump(mode="json")}

    @route(bp, "/chains/<book_type>", methods=["PUT"], body=ChainIn, tags=["rules"])
    def put_chain(book_type: str, body: ChainIn) -> dict:
        """The principal changes the school's chain (only for new submissions)."""
        chain = c.setup.set_chain(_me(), book_type, body.unit_kind, body.chain)
        return {"book_type": book_type, "unit_kind": body.unit_kind, "chain": chain.model_dump(mode="json")}

    # ----- obligations --------------------------------------------------------------------------------
    @route(bp, "/internal/obligations/due", query=DueQuery, response=DuePage, tags=["internal"])
    def internal_due(query: DueQuery) -> DuePage:
        """Open obligations of every school due in [from, to), with who to remind (service tokens only)."""
        return DuePage(**c.due.page(current_principal(), start=aware(query.start), end=aware(query.to),
                                    cursor=query.cursor, limit=query.limit, now=c.runtime.clock.now()))

    @route(bp, "/obligations", query=ObligationQuery, tags=["obligations"])
    def my_obligations(query: ObligationQuery) -> dict:
        """What I owe, by due time, with whether approval in time is still possible."""
        p = _me()
        now = c.runtime.clock.now()
        docs, next_cursor = c.obligations.mine(p.sub, TenantScope.for_principal(p), query.year, cursor=query.cursor,
                                               limit=query.limit)
        catalog = c.setup.catalog(p.tenant) if docs and p.tenant else None  # one read for the whole page
        out = []
        for d in docs:
            book = catalog.get(d.book_type) if catalog else None
            item = next((i for i in book.items if i.slug == d.item), None) if book else None
            due, appr = aware(d.due_at).astimezone(TIMEZONE), aware(d.approval_due_at)
            appr = appr.astimezone(TIMEZONE) if appr else None
            out.append({"id": d.id, "book_type": d.book_type, "book_name": book.name if book else REMOVED_BOOK,
                        "item": d.item, "item_label": item.label if item else None, "period_key": d.period_key,
                        "period_label": d.period_label, "due_at": due.isoformat(), "unit": d.unit,
                        "approval_due_at": appr.isoformat() if appr else None,
                        "approval_possible": appr is None or now <= appr, "submission_id": d.submission_id,
                        "per_document": bool(book and book.per_document),
                        "overdue": not d.satisfied and now > due})
        return {"items": out, "next_cursor": next_cursor}

    # ----- submissions ----------------------------------------------------------------------------------
    @route(bp, "/submissions", methods=["POST"], body=SubmissionIn, response=SubmissionOut, status=201,
           tags=["submissions"])
    def create_submission(body: SubmissionIn) -> dict:
        """Submit a document version for one of my obligations (or keep it as a draft)."""
        return c.submissions.create(_me(), **body.model_dump())

    @route(bp, "/submissions", query=PageQuery, tags=["submissions"])
    def my_submissions(query: PageQuery) -> dict:
        """My submissions, newest first."""
        items, next_cursor = c.submissions.mine(_me(), cursor=query.cursor, limit=query.limit)
        return {"items": items, "next_cursor": next_cursor}

    @route(bp, "/issued", query=PageQuery, tags=["submissions"])
    def issued(query: PageQuery) -> dict:
        """The school's issued and recalled documents, last issued first (văn thư and leaders)."""
        items, next_cursor = c.submissions.issued(_me(), cursor=query.cursor, limit=query.limit)
        return {"items": items, "next_cursor": next_cursor}

    @route(bp, "/submissions/<submission_id>", query=InspectQuery, response=SubmissionOut, tags=["submissions"])
    def get_submission(submission_id: str, query: InspectQuery) -> dict:
        """A submission with its steps, history and signing state (inspectors name their campaign)."""
        return c.submissions.get(_me(), submission_id, campaign=query.campaign, school=query.school, reason=query.reason)

    @route(bp, "/submissions/<submission_id>/submit", methods=["POST"], response=SubmissionOut, tags=["submissions"])
    def submit_draft(submission_id: str) -> dict:
        """Submit a draft."""
        return c.submissions.submit(_me(), submission_id)

    @route(bp, "/submissions/<submission_id>/versions", methods=["POST"], body=VersionIn, response=SubmissionOut,
           tags=["submissions"])
    def resubmit(submission_id: str, body: VersionIn) -> dict:
        """Resubmit a returned submission with a new document version."""
        return c.submissions.resubmit(_me(), submission_id, version_id=body.version_id, sha256=body.sha256)

    @route(bp, "/submissions/<submission_id>/withdraw", methods=["POST"], response=SubmissionOut, tags=["submissions"])
    def withdraw(submission_id: str) -> dict:
        """Withdraw before the first decision."""
        return c.submissions.withdraw(_me(), submission_id)

    @route(bp, "/submissions/<submission_id>/decision", methods=["POST"], body=DecisionIn, response=SubmissionOut,
           tags=["submissions"])
    def decide(submission_id: str, body: DecisionIn) -> dict:
        """Approve or return (with a comment) at the current step."""
        return c.submissions.decide(_me(), submission_id, decision=body.decision, comment=body.comment)

    @route(bp, "/submissions/<submission_id>/comments", methods=["POST"], body=CommentIn, response=SubmissionOut,
           tags=["submissions"])
    def comment(submission_id: str, body: CommentIn) -> dict:
        """A check step reads and comments without blocking."""
        return c.submissions.comment(_me(), submission_id, body.comment)

    @route(bp, "/submissions/<submission_id>/signing-turn", query=TurnQuery, tags=["signing"])
    def signing_turn(submission_id: str, query: TurnQuery) -> dict:
        """May this person sign now, and which version (the approved one)?"""
        return c.submissions.signing_turn(_me(), submission_id, query.signer)

    @route(bp, "/submissions/<submission_id>/signatures", methods=["POST"], body=SignatureIn, response=SubmissionOut,
           tags=["signing"])
    def record_signature(submission_id: str, body: SignatureIn) -> dict:
        """The signing service records a signature made in turn on the approved version."""
        return c.submissions.record_signature(_me(), submission_id, body.model_dump())

    @route(bp, "/submissions/<submission_id>/issue", methods=["POST"], body=ActorIn, response=SubmissionOut,
           tags=["signing"])
    def issue(submission_id: str, body: ActorIn) -> dict:
        """The văn thư issues a signed record."""
        return c.submissions.issue(_me(), submission_id, body.actor)

    @route(bp, "/submissions/<submission_id>/recall", methods=["POST"], body=RecallIn, response=SubmissionOut,
           tags=["signing"])
    def recall(submission_id: str, body: RecallIn) -> dict:
        """The văn thư recalls an issued record, giving the reason."""
        return c.submissions.recall(_me(), submission_id, body.reason, body.actor)

    # ----- queue -------------------------------------------------------------------------------------------
    @route(bp, "/queue", query=PageQuery, tags=["queue"])
    def queue(query: PageQuery) -> dict:
        """Submissions waiting for my decision, oldest first."""
        items, next_cursor = c.submissions.queue(_me(), cursor=query.cursor, limit=query.limit)
        return {"items": items, "next_cursor": next_cursor}

    @route(bp, "/check-queue", query=PageQuery, tags=["queue"])
    def check_queue(query: PageQuery) -> dict:
        """Submissions waiting for my check (read and comment, not blocking), oldest first."""
        items, next_cursor = c.submissions.check_queue(_me(), cursor=query.cursor, limit=query.limit)
        return {"items": items, "next_cursor": next_cursor}

    @route(bp, "/signing-queue", query=PageQuery, tags=["queue"])
    def signing_queue(query: PageQuery) -> dict:
        """Submissions waiting for my signature now (or, for the văn thư, to be issued), oldest first."""
        items, next_cursor = c.submissions.signing_queue(_me(), cursor=query.cursor, limit=query.limit)
        return {"items": items, "next_cursor": next_cursor}

    @route(bp, "/queue/approve", methods=["POST"], body=BulkApproveIn, tags=["queue"])
    def bulk_approve(body: BulkApproveIn) -> dict:
        """Approve several submissions at once; one result per submission."""
        return {"results": c.submissions.bulk_approve(_me(), body.submission_ids, body.comment)}

    # ----- corrections ------------------------------------------------------------------------------------------
    @route(bp, "/corrections", methods=["POST"], body=CorrectionIn, status=201, tags=["corrections"])
    def request_correction(body: CorrectionIn) -> dict:
        """Request a correction of an approved or signed record (biên bản sửa dữ liệu)."""
        return c.corrections.request(_me(), **body.model_dump())

    @route(bp, "/corrections", query=PageQuery, tags=["corrections"])
    def list_corrections(query: PageQuery) -> dict:
        """The school's corrections newest first (leaders and the quản trị; others see the ones they asked for)."""
        items, next_cursor = c.corrections.list(_me(), cursor=query.cursor, limit=query.limit)
        return {"items": items, "next_cursor": next_cursor}

    @route(bp, "/corrections/<correction_id>", tags=["corrections"])
    def get_correction(correction_id: str) -> dict:
        """A correction with its whole trail."""
        return c.corrections.get(_me(), correction_id)

    @route(bp, "/corrections/<correction_id>/consent", methods=["POST"], body=ConsentIn, tags=["corrections"])
    def consent(correction_id: str, body: ConsentIn) -> dict:
        """The principal consents to (or refuses) the correction."""
        return c.corrections.decide(_me(), correction_id, consent=body.consent, comment=body.comment)

    @route(bp, "/corrections/<correction_id>/confirm", methods=["POST"], tags=["corrections"])
    def confirm(correction_id: str) -> dict:
        """A witness (principal, quản trị, requester) confirms the correction record."""
        return c.corrections.confirm(_me(), correction_id)

    # ----- progress ----------------------------------------------------------------------------------------------
    @route(bp, "/progress", query=ProgressQuery, tags=["progress"])
    def progress(query: ProgressQuery) -> dict:
        """Owed, on time, late, missing and awaiting approval for one tổ, school or district and period."""
        totals = c.progress.read(_me(), query.scope, query.id, query.period)
        record_progress_read(c.runtime.audit, _me(), query.scope, totals["id"], query.period)
        return totals

    @route(bp, "/access-reads", query=ReadLogQuery, tags=["access"], raw_response=READ_LOG_XLSX)
    def access_reads(query: ReadLogQuery) -> dict | Response:
        """Who of an oversight unit read this school's submissions and progress, when, and on what basis;
        ``format=csv|xlsx`` downloads the same rows."""
        rows = school_log(c.runtime.audit, _me(), query.filters())
        return {"items": rows} if query.format == "json" else export_response(rows, query.format, source="phe-duyet")

    # ----- dashboards --------------------------------------------------------------------------------------------
    @route(bp, "/dashboards/<any(province, unit, school):level>/<scope_id>", query=DashboardQuery, tags=["dashboards"],
           raw_response="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    def dashboard(level: str, scope_id: str, query: DashboardQuery) -> Any:
        """A province's units, a unit's schools or a school's tổ and teachers, worst first, with the year's trend."""
        view = c.dashboards.view(_me(), level, scope_id, year=query.year, period=query.period, book=query.book,
                                 export=query.format)
        if query.format == "pdf":
            return _download(report_pdf(view, made_at=c.runtime.clock.now()), PDF,
                             f"bao-cao-{view['level']}-{view['id']}-{view['period']}.pdf")
        return xlsx_response(view) if query.format == "xlsx" else view

    # ----- monthly reports ---------------------------------------------------------------------------------------
    @route(bp, "/reports", query=ReportsQuery, tags=["reports"])
    def monthly_reports(query: ReportsQuery) -> dict:
        """An oversight unit's (``unit``) or the Sở's (``province``) monthly reports, newest first."""
        if bool(query.unit) == bool(query.province):
            raise ValidationFailed("Cần chọn đúng một đơn vị (unit) hoặc một tỉnh (province).", field="unit")
        level, scope_id = ("unit", query.unit) if query.unit else ("province", query.province)
        return c.reports.reports(_me(), level, str(scope_id), cursor=query.cursor, limit=query.limit)

    @route(bp, "/reports/<report_id>/file", query=ReportFileQuery, tags=["reports"], raw_response=PDF)
    def monthly_report_file(report_id: str, query: ReportFileQuery) -> Any:
        """The monthly report as PDF (with charts) or XLSX; another unit's report is 404."""
        doc, data = c.reports.file(_me(), report_id, query.format)
        return _download(data, PDF if query.format == "pdf" else XLSX,
                         f"bao-cao-thang-{doc.scope_id}-{doc.month}.{query.format}")

    return bp



