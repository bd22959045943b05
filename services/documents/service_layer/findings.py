"""Use cases of inspection findings: a campaign member opens one, the school answers (with a fix
attached), an inspector of the campaign closes it. Every change is audited and published
(``documents.finding.opened|answered|closed``) through the finding's own outbox.

Inspectors act only under an active campaign grant of their token on a school of its scope: a
school, book type or school year outside it, and anything after the window, is not found. The
school's staff see their own school's findings only (leadership all of them, others those that
concern them); another school's finding or version id is not found.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from mongoengine import QuerySet

from services.documents.adapters.findings import FindingDoc, FindingRepository
from services.documents.adapters.records import DocumentRecord, SchoolRecord
from services.documents.adapters.repositories import Repositories
from services.documents.domain.findings import (
    PRINCIPAL_ROLE, SEVERITY_LABELS, STATE_LABELS, TARGET_LABELS, FindingRuleError, clean_text, may_answer,
    notify_school, state_after_answer, state_after_close, target_label,
)
from services.documents.domain.inspection_records import FindingLine
from services.documents.domain.periods import PeriodError, check_period
from services.documents.events import FINDING_ANSWERED, FINDING_CLOSED, FINDING_OPENED
from services.documents.service_layer.access import CallerContext, read_context, school_context
from services.documents.service_layer.reads import Reads
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.kernel.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from services.kernel.events import EventSpec
from services.kernel.ids import new_id
from services.kernel.pagination import paginate
from services.kernel.periods import parse_period
from services.kernel.principal import Principal
from services.kernel.tenancy import CrossTenantGrant, TenantScope, grant_cross_tenant

#: The name of a campaign by its id (identity's fact), or None when documents does not know it yet.
CampaignNames = Callable[[str], str | None]

UNKNOWN_TEACHER = "Giáo viên chưa có họ tên trên hệ thống"


@dataclass(frozen=True)
class FindingTarget:
    """What the finding is about, as the inspector names it."""

    kind: str
    document: str | None = None
    book: str | None = None
    period: str | None = None
    teacher: str | None = None


@dataclass(frozen=True)
class NewFinding:
    school: str
    campaign: str
    target: FindingTarget
    severity: str
    text: str
    requested_fix: str | None
    due_on: date | None


@dataclass(frozen=True)
class FindingFilters:
    campaign: str | None = None
    school: str | None = None
    state: str | None = None


@dataclass(frozen=True)
class _Resolved:
    target: dict[str, str]
    label: str
    teacher: str | None
    teacher_name: str | None


def finding_dict(f: FindingDoc) -> dict:
    """The API shape of a finding."""
    return {"id": f.id, "school": f.tenant_id, "school_name": f.school_name, "campaign": f.campaign,
            "campaign_name": f.campaign_name, "target_kind": f.target_kind,
            "target_kind_label": TARGET_LABELS[f.target_kind], "target": dict(f.target or {}),
            "target_label": f.target_label, "teacher": f.teacher, "teacher_name": f.teacher_name,
            "severity": f.severity, "severity_label": SEVERITY_LABELS[f.severity], "text": f.text,
            "requested_fix": f.requested_fix, "due_on": f.due_on, "state": f.state,
            "state_label": STATE_LABELS[f.state], "inspector": f.inspector, "inspector_name": f.inspector_name,
            "opened_at": f.opened_at.isoformat(), "answers": [dict(a) for a in f.answers or []],
            "closed_by": f.closed_by, "closed_by_name": f.closed_by_name,
            "closed_at": f.closed_at.isoformat() if f.closed_at else None, "close_note": f.close_note,
            "updated_at": f.updated_at.isoformat()}


def _rule(exc: FindingRuleError) -> Conflict | ValidationFailed:
    if exc.field:
        return ValidationFailed(str(exc), field=exc.field, code=exc.code)
    return Conflict(str(exc), code=exc.code)


class Findings:
    def __init__(self, *, clock: Clock, audit: AuditLog, reads: Reads, campaign_names: CampaignNames) -> None:
        self._clock = clock
        self._audit = audit
        self._reads = reads
        self._campaign_names = campaign_names

    # -- inspectors ---------------------------------------------------------------------------

    def lines_for(self, tenant: str, campaign: str) -> list[FindingLine]:
        """The campaign's findings on one school, oldest first, as its biên bản kiểm tra lists them."""
        docs = FindingRepository(scope=TenantScope(tenant=tenant)).query(campaign=campaign).order_by("opened_at")
        return [FindingLine(text=d.text, severity=d.severity, requested_fix=d.requested_fix or "",
                            due_on=date.fromisoformat(d.due_on) if d.due_on else None, state=d.state,
                            target_label=d.target_label) for d in docs]
    def open(self, principal: Principal | None, new: NewFinding) -> FindingDoc:
        """A campaign member leaves a finding on a school of the campaign."""
        ctx = read_context(principal, school=new.school, campaign=new.campaign, reason=None, audit=self._audit,
                           now=self._clock.now())
        if not ctx.cross_tenant or ctx.school is None:
            raise Forbidden("Chỉ thành viên đoàn kiểm tra mới ghi được kết luận kiểm tra.")
        text = clean_text(new.text)
        if len(text) < 3:
            raise ValidationFailed("Hãy ghi nội dung kết luận.", field="text")
        today = self._clock.now().date()
        if new.due_on is not None and new.due_on < today:
            raise ValidationFailed("Hạn khắc phục không được trước hôm nay.", field="due_on")
        resolved = self._resolve(ctx, new.target)
        now = self._clock.now()
        school = ctx.school
        finding = FindingDoc(
            id=new_id(), campaign=new.campaign, campaign_name=self._campaign_name(ctx, new.campaign),
            school_name=school.name, target_kind=new.target.kind, target=resolved.target,
            target_label=resolved.label, teacher=resolved.teacher, teacher_name=resolved.teacher_name,
            severity=new.severity, text=text, requested_fix=clean_text(new.requested_fix) or None,
            due_on=new.due_on.isoformat() if new.due_on else None, state="open", inspector=ctx.principal.sub,
            inspector_name=ctx.principal.name or None, opened_at=now, answers=[], updated_at=now)
        self._publish(finding, school, FINDING_OPENED, actor=ctx.principal.sub,
                      notify=notify_school(self._principal_of(school), finding.teacher))
        FindingRepository(scope=ctx.repos.scope).open(finding, school)
        self._audited("documents.finding.opened", finding, ctx.principal.sub,
                      {"campaign": finding.campaign, "target_kind": finding.target_kind,
                       "target_label": finding.target_label, "severity": finding.severity})
        return finding

    def close(self, principal: Principal | None, finding_id: str, *, note: str | None) -> FindingDoc:
        """An inspector of the finding's campaign closes it (with a note when the school has not answered)."""
        finding, grant = self._inspector_find(principal, finding_id)
        actor = grant.principal
        note = clean_text(note)
        try:
            finding.state = state_after_close(finding.state, note)
        except FindingRuleError as exc:
            raise _rule(exc) from None
        now = self._clock.now()
        finding.closed_by, finding.closed_by_name = actor.sub, actor.name or None
        finding.closed_at, finding.close_note, finding.updated_at = now, note or None, now
        school = self._school_of(finding, grant)
        self._publish(finding, school, FINDING_CLOSED, actor=actor.sub,
                      notify=notify_school(self._principal_of(school), finding.teacher))
        FindingRepository(scope=TenantScope.across(grant, tenant=finding.tenant_id)).save_change(finding)
        self._audited("documents.finding.closed", finding, actor.sub, {"note": finding.close_note})
        return finding

    # -- the school ---------------------------------------------------------------------------
    def answer(self, principal: Principal | None, finding_id: str, *, text: str,
               version_id: str | None) -> FindingDoc:
        """The principal (or the teacher concerned) answers, optionally attaching a version of the school."""
        ctx = self._school_ctx(principal)
        finding = self._school_query(ctx, id=finding_id).first()
        if finding is None:
            raise NotFound()
        allowed, on_behalf_of = ctx.principal.may_act_as(PRINCIPAL_ROLE, now=int(self._clock.now().timestamp()))
        if not may_answer(is_principal=allowed, person=ctx.principal.sub, target_kind=finding.target_kind,
                          teacher=finding.teacher):
            raise Forbidden("Chỉ hiệu trưởng hoặc giáo viên liên quan mới trả lời được kết luận này.",
                            code="not-finding-answerer")
        text = clean_text(text)
        if len(text) < 3:
            raise ValidationFailed("Hãy ghi nội dung trả lời.", field="text")
        try:
            finding.state = state_after_answer(finding.state)
        except FindingRuleError as exc:
            raise _rule(exc) from None
        now = self._clock.now()
        answer: dict[str, str | None] = {"by": ctx.principal.sub, "by_name": ctx.principal.name or None,
                                         "on_behalf_of": on_behalf_of, "text": text, "at": now.isoformat()}
        if version_id:
            version = self._reads.version(ctx, version_id)
            answer.update(version_id=version.id, document_id=version.document_id, file_name=version.file_name)
        finding.answers = [*(finding.answers or []), answer]
        finding.updated_at = now
        school = ctx.school
        assert school is not None
        self._publish(finding, school, FINDING_ANSWERED, actor=ctx.principal.sub, notify=[finding.inspector])
        FindingRepository(scope=ctx.repos.scope).save_change(finding)
        self._audited("documents.finding.answered", finding, ctx.principal.sub,
                      {"version_id": answer.get("version_id"), "on_behalf_of": on_behalf_of})
        return finding

    # -- reads --------------------------------------------------------------------------------
    def list(self, principal: Principal | None, filters: FindingFilters, *, cursor: str | None,
             limit: int) -> tuple[list[FindingDoc], str | None]:
        """Inspectors: the findings of their running campaigns; school staff: their school's."""
        if principal is None:
            raise Unauthorized()
        wanted = {"state": filters.state} if filters.state else {}
        if principal.tenant:
            if filters.school and filters.school != principal.tenant:
                raise NotFound()
            ctx = self._school_ctx(principal)
            if filters.campaign:
                wanted["campaign"] = filters.campaign
            return paginate(self._school_query(ctx, **wanted), cursor=cursor, limit=limit, descending=True)
        campaigns = [filters.campaign] if filters.campaign else self._active_campaigns(principal)
        if len(campaigns) == 1:
            return paginate(self._campaign_query(principal, campaigns[0], filters.school, wanted), cursor=cursor,
                            limit=limit, descending=True)
        found = [f for c in campaigns for f in self._campaign_query(principal, c, filters.school, wanted)
                 .order_by("-id").limit(limit)]
        return sorted(found, key=lambda f: f.id, reverse=True)[:limit], None

    def get(self, principal: Principal | None, finding_id: str) -> FindingDoc:
        """One finding the caller may see; another school's (or another campaign's) is not found."""
        if principal is None:
            raise Unauthorized()
        if principal.tenant:
            finding = self._school_query(self._school_ctx(principal), id=finding_id).first()
            if finding is None:
                raise NotFound()
            return finding
        return self._inspector_find(principal, finding_id)[0]

    # -- helpers ------------------------------------------------------------------------------
    def _school_ctx(self, principal: Principal | None) -> CallerContext:
        ctx = school_context(principal)
        if ctx.school is None:
            raise NotFound()
        return ctx

    @staticmethod
    def _school_query(ctx: CallerContext, **filters: str) -> QuerySet:
        """The school's findings the caller may see: leadership all, others those concerning them."""
        qs = FindingRepository(scope=ctx.repos.scope).query(**filters)
        return qs if ctx.actor.is_leadership else qs.filter(teacher=ctx.principal.sub)

    def _grant(self, principal: Principal, campaign: str) -> CrossTenantGrant:
        return grant_cross_tenant(principal, reason=None, audit=self._audit, campaign=campaign,
                                  now=self._clock.now())

    def _campaign_query(self, principal: Principal, campaign: str, school: str | None,
                        wanted: dict[str, str]) -> QuerySet:
        """The findings of one running campaign of the caller (of one school of it when named)."""
        scope = TenantScope.across(self._grant(principal, campaign), tenant=school or None)
        return FindingRepository(scope=scope).query(**wanted)

    def _active_campaigns(self, principal: Principal) -> list[str]:
        stamp = int(self._clock.now().timestamp())
        return [g.campaign for g in principal.grants if g.active(stamp)]

    def _inspector_find(self, principal: Principal | None, finding_id: str) -> tuple[FindingDoc, CrossTenantGrant]:
        """The finding among those of the caller's running campaigns; 403 for school staff."""
        if principal is None:
            raise Unauthorized()
        if principal.tenant:
            raise Forbidden("Chỉ thành viên đoàn kiểm tra mới đóng được kết luận kiểm tra.")
        campaigns = self._active_campaigns(principal)
        if not campaigns:
            raise NotFound("Không có đợt kiểm tra này hoặc đợt kiểm tra đã kết thúc.")
        for campaign in campaigns:
            grant = self._grant(principal, campaign)
            finding = FindingRepository(scope=TenantScope.across(grant)).query(id=finding_id).first()
            if finding is not None:
                return finding, grant
        raise NotFound()

    def _resolve(self, ctx: CallerContext, target: FindingTarget) -> _Resolved:
        """Check the target is in the campaign's scope and name it as people read it."""
        school = ctx.school
        assert school is not None
        if target.kind == "school":
            return _Resolved({}, school.name, None, None)
        if target.kind == "document":
            if not target.document:
                raise ValidationFailed("Hãy chọn hồ sơ.", field="target.document")
            doc = ctx.repos.documents.query(id=target.document).first()
            if doc is None:
                raise NotFound()
            return self._document_target(ctx, doc)
        if target.kind == "teacher":
            if not target.teacher:
                raise ValidationFailed("Hãy chọn giáo viên.", field="target.teacher")
            name = self._teacher_name(ctx, target.teacher)
            return _Resolved({"teacher": target.teacher}, name, target.teacher, name)
        return self._book_target(ctx, target)

    def _document_target(self, ctx: CallerContext, doc: DocumentRecord) -> _Resolved:
        teacher, whose = doc.created_by, None
        if doc.owner_kind == "person":
            teacher = doc.owner_key
            whose = doc.owner_name or self._teacher_name(ctx, doc.owner_key)
        elif doc.unit_id and doc.unit_id in ctx.units:
            whose = ctx.units[doc.unit_id].name
        name = whose if doc.owner_kind == "person" else None
        label = target_label([self._book_name(ctx, doc.book), self._period_label(ctx, doc.period), whose])
        version = doc.record_version_id or doc.latest_version_id
        wanted = {"document": doc.id, "book": doc.book, "period": doc.period, **({"version": version} if version else {})}
        return _Resolved(wanted, label, teacher, name)

    def _book_target(self, ctx: CallerContext, target: FindingTarget) -> _Resolved:
        if not target.book:
            raise ValidationFailed("Hãy chọn loại hồ sơ.", field="target.book")
        if not target.period:
            raise ValidationFailed("Hãy chọn kỳ.", field="target.period")
        held = ctx.repos.scope.grant.campaign if ctx.repos.scope.grant else None
        if not ctx.catalog.has(target.book) or (held is not None and held.books and target.book not in held.books):
            raise NotFound()
        try:
            period = check_period(ctx.catalog.get(target.book), target.period)
        except PeriodError as exc:
            raise ValidationFailed(str(exc), field="target.period") from None
        if held is not None and held.year and period.school_year != held.year:
            raise NotFound()
        name = self._teacher_name(ctx, target.teacher) if target.teacher else None
        label = target_label([self._book_name(ctx, target.book), self._period_label(ctx, period.key), name])
        wanted = {"book": target.book, "period": period.key, **({"teacher": target.teacher} if target.teacher else {})}
        return _Resolved(wanted, label, target.teacher, name)

    @staticmethod
    def _teacher_name(ctx: CallerContext, person: str) -> str:
        """A teacher of the school as documents knows people: the owner of documents in scope (404 otherwise)."""
        docs = ctx.repos.documents.query(owner_key=person).only("owner_name").limit(20)
        names = [d.owner_name for d in docs]
        if not names:
            raise NotFound("Không tìm thấy giáo viên này trong hồ sơ của trường.")
        return next((n for n in names if n), UNKNOWN_TEACHER)

    @staticmethod
    def _book_name(ctx: CallerContext, book: str) -> str:
        return ctx.catalog.get(book).name if ctx.catalog.has(book) else book

    @staticmethod
    def _period_label(ctx: CallerContext, key: str) -> str:
        """The period as the school's pages show it (a week with its Monday, from approvals' calendar)."""
        period = parse_period(key)
        weeks = ctx.repos.calendars.get(period.school_year)
        week = next((w for w in weeks.weeks if w.key == key), None) if weeks else None
        return week.label if week else period.label

    def _campaign_name(self, ctx: CallerContext, campaign: str) -> str:
        held = ctx.repos.scope.grant.campaign if ctx.repos.scope.grant else None
        known = self._campaign_names(campaign)
        if known:
            return known
        return f"Đợt kiểm tra năm học {held.year}" if held is not None and held.year else "Đợt kiểm tra"

    @staticmethod
    def _school_of(finding: FindingDoc, grant: CrossTenantGrant) -> SchoolRecord:
        school = Repositories(TenantScope.across(grant, tenant=finding.tenant_id)).schools.query(
            id=finding.tenant_id).first()
        if school is None:
            raise NotFound()
        return school

    @staticmethod
    def _principal_of(school: SchoolRecord) -> str | None:
        """The school's principal as identity onboarded it (None for a school onboarded before that was kept)."""
        return school.principal_id or None

    def _publish(self, finding: FindingDoc, school: SchoolRecord, spec: EventSpec, *, actor: str,
                 notify: list[str]) -> None:
        finding.record_event(spec.event({
            "finding": finding.id, "campaign": finding.campaign, "campaign_name": finding.campaign_name,
            "school": school.id, "school_name": school.name, "target_kind": finding.target_kind,
            "target_label": finding.target_label, "severity": finding.severity, "text": finding.text,
            "due_on": finding.due_on, "inspector": finding.inspector,
            "inspector_name": finding.inspector_name or "", "notify": notify, "state": finding.state,
        }, tenant=school.id, district=school.district_id, actor=actor))

    def _audited(self, action: str, finding: FindingDoc, actor: str, data: dict) -> None:
        self._audit.append(action=action, actor=actor, tenant=finding.tenant_id, district=finding.district_id,
                           target=finding.id, data={"state": finding.state, **data})
