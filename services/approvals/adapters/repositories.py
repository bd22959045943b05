"""Repositories: tenant-scoped access to the approvals documents and domain mapping.

Every school-owned record is read through a kernel ``TenantRepository``: a school asking
for another school's object gets 404. Submissions are saved with a revision check so
two approvers deciding at once cannot both win.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from mongoengine import Q, QuerySet
from mongoengine.errors import SaveConditionError

from services.approvals.adapters.documents import (
    CalendarFrameDoc, CorrectionDoc, DistrictRuleDoc, MembershipDoc, ObligationDoc, SchoolChainDoc, SchoolDoc, SchoolEventsDoc, SchoolSettingsDoc,
    SchoolRuleDoc, SubmissionDoc,
)
from services.approvals.domain.calendar import Holiday, SchoolCalendar, SchoolYearFrame
from services.approvals.domain.chains import ResolvedSigning, ResolvedStep
from services.approvals.domain.obligations import Membership, SchoolInfo
from services.approvals.domain.submissions import SignatureState, StepState, Submission, Version
from services.kernel.errors import Conflict, ValidationFailed
from services.kernel.events import Event
from services.kernel.pagination import MAX_LIMIT, decode_cursor, encode_cursor
from services.kernel.tenancy import TenantRepository

UTC = timezone.utc


def aware(dt: datetime | None) -> datetime | None:
    """mongomock and some drivers return naive UTC datetimes; the domain compares aware ones."""
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# ----- calendar -------------------------------------------------------------------------------
def frame_from_doc(doc: CalendarFrameDoc) -> SchoolYearFrame:
    return SchoolYearFrame(
        year=doc.year,
        opening_day=date.fromisoformat(doc.opening_day),
        semester_1_end=date.fromisoformat(doc.semester_1_end),
        closing_day=date.fromisoformat(doc.closing_day),
        holidays=tuple(Holiday(h["name"], date.fromisoformat(h["first_day"]), date.fromisoformat(h["last_day"]))
                       for h in doc.holidays),
        points={k: date.fromisoformat(v) for k, v in (doc.points or {}).items()},
        first_teaching_week=date.fromisoformat(doc.first_teaching_week) if doc.first_teaching_week else None,
    )


def frame_to_fields(frame: SchoolYearFrame) -> dict[str, Any]:
    return {
        "opening_day": frame.opening_day.isoformat(), "semester_1_end": frame.semester_1_end.isoformat(),
        "closing_day": frame.closing_day.isoformat(),
        "holidays": [{"name": h.name, "first_day": h.first_day.isoformat(), "last_day": h.last_day.isoformat()}
                     for h in frame.holidays],
        "points": {k: v.isoformat() for k, v in frame.points.items()},
        "first_teaching_week": frame.first_teaching_week.isoformat() if frame.first_teaching_week else None,
    }


class FrameRepository:
    """District frames are published for every school of the district (not tenant-owned)."""

    def get(self, district: str, year: str) -> SchoolYearFrame | None:
        doc = CalendarFrameDoc.objects(district_id=district, year=year).first()
        return frame_from_doc(doc) if doc else None

    def years(self, district: str) -> list[str]:
        return sorted(d.year for d in CalendarFrameDoc.objects(district_id=district).only("year"))

    def every(self) -> list[tuple[str, SchoolYearFrame]]:
        """Every stored frame with its district (a system task: republishing the weeks)."""
        return [(d.district_id, frame_from_doc(d)) for d in CalendarFrameDoc.objects.order_by("district_id", "year")]

    def record(self, district: str, year: str, event: Event) -> None:
        """Queue ``event`` in the outbox of a stored frame, leaving the frame as it is."""
        doc = CalendarFrameDoc.objects.get(district_id=district, year=year)
        doc.record_event(event)
        doc.save()

    def put(self, district: str, frame: SchoolYearFrame, *, by: str, at: datetime, event: Event) -> None:
        """Store the district's frame with ``event`` (its weeks for other services) in the same write."""
        doc = CalendarFrameDoc.objects(district_id=district, year=frame.year).first() \
            or CalendarFrameDoc(district_id=district, year=frame.year)
        for key, value in frame_to_fields(frame).items():
            setattr(doc, key, value)
        doc.published_by, doc.published_at = by, at
        doc.record_event(event)
        doc.save()


class SchoolEventsRepository(TenantRepository[SchoolEventsDoc]):
    document = SchoolEventsDoc

    def events(self, year: str) -> dict[str, date]:
        doc = self.query(year=year).first()
        return {k: date.fromisoformat(v) for k, v in (doc.events if doc else {}).items()}

    def put(self, year: str, events: dict[str, date]) -> None:
        doc = self.query(year=year).first() or SchoolEventsDoc(year=year)
        doc.events = {k: v.isoformat() for k, v in events.items()}
        if doc.pk:
            doc.save()
        else:
            self.add(doc)


class SchoolSettingsRepository(TenantRepository[SchoolSettingsDoc]):
    document = SchoolSettingsDoc

    def shift_holidays(self) -> bool:
        doc = self.query().only("shift_holidays").first()
        return True if doc is None else bool(doc.shift_holidays)

    def put_shift_holidays(self, value: bool, *, by: str, at: datetime) -> None:
        self._put(by=by, at=at, shift_holidays=value)

    def _put(self, *, by: str, at: datetime, **fields: Any) -> None:
        """Set ``fields`` of the school's settings (created on first use), with who and when."""
        doc = self.query().first()
        if doc is None:
            self.add(SchoolSettingsDoc(set_by=by, set_at=at, **fields))
        else:
            for name, value in {**fields, "set_by": by, "set_at": at}.items():
                setattr(doc, name, value)
            doc.save()

    def reminder_policy(self) -> dict:
        """The school's saved reminder policy (empty: the default)."""
        doc = self.query().only("reminders").first()
        return dict(doc.reminders or {}) if doc else {}

    def put_reminder_policy(self, policy: dict, *, by: str, at: datetime) -> None:
        self._put(by=by, at=at, reminders=policy)


def school_calendar(frames: FrameRepository, events: SchoolEventsRepository, district: str, year: str) -> SchoolCalendar | None:
    """The school's calendar of one year: the district frame, the school's events and holiday setting."""
    frame = frames.get(district, year)
    if frame is None:
        return None
    shift = SchoolSettingsRepository(scope=events.scope).shift_holidays()
    return SchoolCalendar(frame, events.events(year), shift_holidays=shift)


# ----- school projection ------------------------------------------------------------------------
class SchoolDirectory:
    """The projection of identity's schools and memberships."""

    def school(self, school_id: str) -> SchoolDoc | None:
        return SchoolDoc.objects(id=school_id).first()

    def schools_of(self, district: str) -> list[SchoolDoc]:
        return list(SchoolDoc.objects(district_id=district))

    def info(self, doc: SchoolDoc) -> SchoolInfo:
        return SchoolInfo(doc.id, doc.district_id, tuple(doc.levels), {u["id"]: u["kind"] for u in doc.units},
                          {u["id"]: u["level"] for u in doc.units if u.get("level")})

    def memberships(self, school_id: str) -> list[Membership]:
        return [Membership(m.person, m.role, m.unit, aware(m.since), aware(m.until))
                for m in MembershipDoc.objects(tenant_id=school_id)]

    def roles_of(self, school_id: str, person: str, at: datetime) -> set[tuple[str, str | None]]:
        return {(m.role, m.unit) for m in MembershipDoc.objects(tenant_id=school_id, person=person)
                if aware(m.since) <= at and (m.until is None or at < aware(m.until))}

    def holders(self, school_id: str, role: str, unit: str | None, at: datetime) -> list[str]:
        q = MembershipDoc.objects(tenant_id=school_id, role=role, unit=unit) if unit else \
            MembershipDoc.objects(tenant_id=school_id, role=role)
        return [m.person for m in q if aware(m.since) <= at and (m.until is None or at < aware(m.until))]


# ----- rules and chains -------------------------------------------------------------------------
class DistrictRuleRepository:
    """District floors are the district's own records (read by every school of the district)."""

    def all(self, district: str) -> dict[tuple[str, str, str], dict]:
        return {(d.book_type, d.item, d.level): d.rule for d in DistrictRuleDoc.objects(district_id=district)}

    def put(self, district: str, book: str, item: str, level: str, rule: dict, *, by: str, at: datetime) -> None:
        DistrictRuleDoc.objects(district_id=district, book_type=book, item=item, level=level).update_one(
            upsert=True, set__rule=rule, set__set_by=by, set__set_at=at)


class SchoolRuleRepository(TenantRepository[SchoolRuleDoc]):
    document = SchoolRuleDoc

    def all(self) -> dict[tuple[str, str], dict]:
        return {(d.book_type, d.item): d.rule for d in self.query()}

    def put(self, book: str, item: str, rule: dict, *, by: str, at: datetime) -> None:
        doc = self.query(book_type=book, item=item).first()
        if doc is None:
            self.add(SchoolRuleDoc(book_type=book, item=item, rule=rule, set_by=by, set_at=at))
        else:
            doc.rule, doc.set_by, doc.set_at = rule, by, at
            doc.save()


class SchoolChainRepository(TenantRepository[SchoolChainDoc]):
    document = SchoolChainDoc

    def get_chain(self, book: str, unit_kind: str | None) -> dict | None:
        for kind in ([unit_kind] if unit_kind else []) + ["*"]:
            doc = self.query(book_type=book, unit_kind=kind).first()
            if doc is not None:
                return doc.chain
        return None

    def put(self, book: str, unit_kind: str | None, chain: dict, *, by: str, at: datetime) -> None:
        kind = unit_kind or "*"
        doc = self.query(book_type=book, unit_kind=kind).first()
        if doc is None:
            self.add(SchoolChainDoc(book_type=book, unit_kind=kind, chain=chain, set_by=by, set_at=at))
        else:
            doc.chain, doc.set_by, doc.set_at = chain, by, at
            doc.save()


# ----- obligations ------------------------------------------------------------------------------
class ObligationRepository(TenantRepository[ObligationDoc]):
    document = ObligationDoc


# ----- submissions ------------------------------------------------------------------------------
def _step_to_doc(s: StepState) -> dict:
    return {**s.step.to_data(), "decision": s.decision, "by": s.by, "on_behalf_of": s.on_behalf_of, "at": s.at,
            "comment": s.comment}


def _step_from_doc(d: dict) -> StepState:
    return StepState(ResolvedStep(d["stage"], d["role"], d.get("unit"), d["mode"]), d.get("decision"), d.get("by"),
                     d.get("on_behalf_of"), aware(d.get("at")), d.get("comment"))


def _sig_to_doc(s: SignatureState) -> dict:
    return {**s.spec.to_data(), "signed_by": s.signed_by, "on_behalf_of": s.on_behalf_of, "signed_at": s.signed_at,
            "version_id": s.version_id}


def _sig_from_doc(d: dict) -> SignatureState:
    return SignatureState(ResolvedSigning(d["order"], d["role"], d.get("signer"), bool(d.get("organisation"))),
                          d.get("signed_by"), d.get("on_behalf_of"), aware(d.get("signed_at")), d.get("version_id"))


def waiting_keys(sub: Submission) -> list[str]:
    """Queue keys of who must act now (one indexed field serves both queues).

    Decisions: ``role@unit`` (``role@*`` for school-wide steps). Signing: ``sign:person:<id>`` for a
    named signer, ``sign:role:<role>`` for any holder, for the next order's unsigned steps. Issue:
    ``issue:<role>`` once signed. Checks: ``check:role@unit`` for check steps not yet checked (they
    exist only beside a pending decision, so they never decide ``waiting_since`` on their own).
    """
    keys = {f"{s.step.role}@{s.step.unit or '*'}" for s in sub.waiting_steps()}
    keys |= {f"check:{s.step.role}@{s.step.unit or '*'}" for s in sub.checking_steps()}
    if sub.state == "signing":
        order = sub.next_signing_order()
        keys |= {f"sign:person:{s.spec.signer}" if s.spec.signer else f"sign:role:{s.spec.role}"
                 for s in sub.signatures if s.spec.order == order and s.signed_by is None}
    if sub.state == "signed" and sub.issue_role:
        keys.add(f"issue:{sub.issue_role}")
    return sorted(keys)


def _acting_keys(keys: list[str]) -> list[str]:
    """The keys that date an item's wait: a PHT's check does not move the principal's queue order."""
    return [k for k in keys if not k.startswith("check:")]


def submission_to_doc(sub: Submission, doc: SubmissionDoc | None = None) -> SubmissionDoc:
    doc = doc or SubmissionDoc(id=sub.id)
    waiting = waiting_keys(sub)
    if waiting and _acting_keys(doc.waiting or []) != _acting_keys(waiting):
        doc.waiting_since = sub.history[-1]["at"] if sub.history else sub.created_at
    doc.waiting = waiting
    if not waiting:
        doc.waiting_since = None
    for name in ("obligation_id", "book_type", "item", "period_key", "school_year", "unit", "submitter",
                 "document_id", "due_at", "approval_due_at", "issue_role", "created_at", "state", "round",
                 "submitted_at", "on_time", "approved_version_id", "approved_sha256", "issued_by", "issued_at",
                 "recall_reason", "signing_due_at", "signing_overdue_emitted", "document_title", "unit_name"):
        setattr(doc, name, getattr(sub, name))
    doc.tenant_id, doc.district_id = sub.tenant, sub.district
    doc.steps = [_step_to_doc(s) for s in sub.steps]
    doc.signatures = [_sig_to_doc(s) for s in sub.signatures]
    doc.versions = [{"version_id": v.version_id, "sha256": v.sha256, "added_at": v.added_at, "reason": v.reason,
                     "superseded_by": v.superseded_by} for v in sub.versions]
    doc.history = list(sub.history)
    return doc


def submission_from_doc(doc: SubmissionDoc) -> Submission:
    return Submission(
        id=doc.id, tenant=doc.tenant_id, district=doc.district_id, obligation_id=doc.obligation_id,
        book_type=doc.book_type, item=doc.item, period_key=doc.period_key, school_year=doc.school_year,
        unit=doc.unit, submitter=doc.submitter, document_id=doc.document_id, due_at=aware(doc.due_at),
        approval_due_at=aware(doc.approval_due_at), steps=[_step_from_doc(d) for d in doc.steps],
        signatures=[_sig_from_doc(d) for d in doc.signatures], issue_role=doc.issue_role,
        created_at=aware(doc.created_at), state=doc.state,
        versions=[Version(v["version_id"], v["sha256"], aware(v["added_at"]), v.get("reason", "submission"),
                          v.get("superseded_by")) for v in doc.versions],
        round=doc.round, submitted_at=aware(doc.submitted_at), on_time=doc.on_time,
        approved_version_id=doc.approved_version_id, approved_sha256=doc.approved_sha256,
        history=[{**h, "at": aware(h.get("at"))} for h in doc.history], issued_by=doc.issued_by,
        issued_at=aware(doc.issued_at), recall_reason=doc.recall_reason,
        signing_due_at=aware(doc.signing_due_at), signing_overdue_emitted=bool(doc.signing_overdue_emitted),
        document_title=doc.document_title, unit_name=doc.unit_name,
    )


def keyset_page(qs: QuerySet, field: str, *, cursor: str | None, limit: int,
                descending: bool = False) -> tuple[list[Any], str | None]:
    """One page ordered by (``field``, id), stable under inserts; the cursor holds the last pair."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"Số bản ghi mỗi trang phải từ 1 đến {MAX_LIMIT}.", field="limit")
    if cursor:
        last = decode_cursor(cursor)
        try:
            value, last_id = datetime.fromisoformat(last[0]), str(last[1])
        except (TypeError, ValueError, IndexError):
            raise ValidationFailed("Con trỏ phân trang không hợp lệ.", field="cursor") from None
        op = "lt" if descending else "gt"
        qs = qs.filter(Q(**{f"{field}__{op}": value}) | (Q(**{field: value}) & Q(**{f"id__{op}": last_id})))
    order = (f"-{field}", "-id") if descending else (field, "id")
    items = list(qs.order_by(*order).limit(limit + 1))
    if len(items) <= limit:
        return items, None
    items = items[:limit]
    tail = items[-1]
    return items, encode_cursor([aware(getattr(tail, field)).isoformat(), str(tail.id)])


def save_with_revision(doc: SubmissionDoc | CorrectionDoc) -> None:
    """Save only if nobody saved since we read; a lost race is a 409 the client can retry."""
    if doc.rev == 0:  # never saved: every stored document has rev >= 1
        doc.rev = 1
        doc.save(force_insert=True)
        return
    expected = doc.rev
    doc.rev = expected + 1
    try:
        doc.save(save_condition={"rev": expected})
    except SaveConditionError:
        raise Conflict("Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thử lại.") from None


class SubmissionRepository(TenantRepository[SubmissionDoc]):
    document = SubmissionDoc
    campaign_fields = {"book": "book_type", "year": "school_year"}

    def waiting_for(self, keys: list[str], *, cursor: str | None, limit: int) -> tuple[list[SubmissionDoc], str | None]:
        return keyset_page(self.query(waiting__in=keys), "waiting_since", cursor=cursor, limit=limit)


def find_submission_for_service(submission_id: str) -> SubmissionDoc | None:
    """Services (client-credential tokens, e.g. signing) address a submission by id alone."""
    return SubmissionDoc.objects(id=submission_id).first()


class CorrectionRepository(TenantRepository[CorrectionDoc]):
    document = CorrectionDoc
