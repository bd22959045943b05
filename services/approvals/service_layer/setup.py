"""School set-up: the identity projection, the calendar, the school's rules and chains.

The district publishes the school-year frame; the principal adds the school's events,
sets the school's deadlines within the district floor and changes the school's chains.
Every change is audited and triggers a recomputation of the school's obligations.
"""
from __future__ import annotations

import logging

from mongoengine import NotUniqueError

from collections.abc import Callable
from datetime import date, datetime

from services.approvals.adapters.documents import MembershipDoc, SchoolDoc
from services.approvals.adapters.repositories import (
    DistrictRuleRepository, FrameRepository, SchoolChainRepository, SchoolDirectory, SchoolEventsRepository, SchoolRuleRepository,
    SchoolSettingsRepository, aware, school_calendar,
)
from services.approvals.domain.calendar import SchoolCalendar, SchoolYearFrame
from services.approvals.adapters.documents_service import DocumentsPort
from services.approvals.domain.catalog import Book, CatalogItem, SchoolCatalog, default_chain
from services.kernel.ownership import BookOwner
from services.approvals.domain.chains import ChainSpec, parse_chain
from services.approvals.domain.deadlines import (
    DeadlineRule, check_same_cadence, check_sense, check_within_floor, check_within_year, parse_rule, rule_to_data, undated_notice,
)
from services.approvals.domain.default_rules import RULES
from services.approvals.domain.errors import InvalidRule
from services.approvals.domain.reminder_policy import ReminderPolicy, parse_policy, stored_policy
from services.approvals.domain.submissions import Acting
from services.approvals.service_layer.common import audit, domain_errors
from services.kernel.audit import AuditLog
from services.kernel.clock import Clock
from services.approvals.events import CALENDAR_PUBLISHED
from services.kernel.errors import Forbidden, NotFound, ValidationFailed
from services.kernel.events import Event
from services.kernel.periods import week_period
from services.kernel.permissions import DISTRICT_ROLES, HIEU_TRUONG, TRUONG_PHONG, require_principal
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope

Recompute = Callable[..., None]  # (school id, reason, person=None): person narrows it to their obligations

log = logging.getLogger(__name__)
REMOVED_BOOK = "Hồ sơ không còn trong danh mục"  # what people read for a book a template has since removed


def stored_rule(data: dict | None, default: DeadlineRule) -> DeadlineRule:
    """A saved rule, or ``default`` when none is saved or the saved one no longer validates.

    A rule saved before a stricter check (e.g. a ``not_before`` 29/02 floor) must not break every
    recompute and rule change of the district: the default stands until someone replaces it.
    """
    if not data:
        return default
    try:
        return parse_rule(data)
    except InvalidRule as exc:
        log.warning("saved deadline rule no longer valid, default used: %s (%s)", exc.message, data)
        return default


def book_and_item(catalog: SchoolCatalog, book_type: str, item: str | None = None) -> tuple[Book, CatalogItem | None]:
    """A book (and item) of the catalog; 404 naming the field when the catalog has none."""
    book = catalog.get(book_type)
    if book is None:
        raise NotFound(f"Không có loại hồ sơ “{book_type}”.", field="book_type")
    if item is None:
        return book, None
    found = book.item(item)
    if found is None:
        raise NotFound(f"Loại hồ sơ “{book_type}” không có mục “{item}”.", field="item")
    return book, found


def calendar_published(district: str, frame: SchoolYearFrame, *, actor: str | None, now: datetime) -> Event:
    """``approvals.calendar.published``: the frame's dates and every week from tuần 1 to the closing week."""
    cal = SchoolCalendar(frame)
    weeks = [{"key": week_period(frame.year, w.number).key, "number": w.number, "monday": w.monday.isoformat(),
              "teaching": w.is_teaching, "label": w.label} for w in cal.weeks()]
    return CALENDAR_PUBLISHED.event(
        {"district_id": district, "school_year": frame.year, "first_teaching_day": frame.opening_day.isoformat(),
         "last_teaching_day": frame.closing_day.isoformat(), "weeks": weeks},
        tenant=None, district=district, actor=actor, occurred_at=now.isoformat())


def _not_wired(school_id: str, reason: str, person: str | None = None) -> object:
    raise RuntimeError("SetupService.recompute is not wired (bootstrap() sets it)")


class SetupService:
    def __init__(self, *, clock: Clock, audit_log: AuditLog, documents: DocumentsPort,
                 recompute: Recompute | None = None) -> None:
        self.clock = clock
        self.audit = audit_log
        self.documents = documents
        #: re-derives a school's obligations; ``bootstrap()`` sets it once the obligation service exists
        self.recompute: Recompute = recompute or _not_wired
        self.directory = SchoolDirectory()
        self.frames = FrameRepository()

    # ----- the catalog (documents') ------------------------------------------------------------
    def catalog(self, school_id: str) -> SchoolCatalog:
        """The school's catalog as documents serves it (the adapter caches it by version)."""
        return self.documents.catalog(school_id)

    def book(self, school_id: str, slug: str) -> Book:
        """A book of the school's catalog; one a template has since removed keeps its slug as name."""
        found = self.catalog(school_id).get(slug)
        return found or Book(slug, REMOVED_BOOK, BookOwner(slug, "person", ()), (), "khong")

    def known_book_name(self, school_id: str, slug: str) -> str | None:
        """The catalog's name of a book, ``None`` when the catalog no longer has it (never the slug)."""
        found = self.catalog(school_id).get(slug)
        return found.name if found else None

    def district_catalog(self, district: str) -> SchoolCatalog:
        """Every book any school of the district owes (what the Phòng's floors range over), each once."""
        books: dict[str, Book] = {}
        levels: list[str] = []
        for school in self.directory.schools_of(district):
            catalog = self.catalog(school.id)
            levels += [lv for lv in catalog.levels if lv not in levels]
            for book in catalog.books:
                books.setdefault(book.slug, book)
        return SchoolCatalog(school="", version="", levels=tuple(levels), books=tuple(books.values()))

    def catalog_changed(self, data: dict) -> None:
        """``documents.catalog.changed``: recompute the schools the template applies to."""
        tier, owner = str(data.get("tier") or ""), str(data.get("owner_id") or "")
        field = {"so": "province_id", "phong": "district_id", "truong": "id"}.get(tier)
        if field is None or not owner:
            return
        for school in SchoolDoc.objects(**{field: owner}).only("id"):
            self.documents.forget(school.id)
            self.recompute(school.id, "documents.catalog.changed")

    # ----- identity projection ------------------------------------------------------------------
    def school_onboarded(self, data: dict) -> None:
        """Project ``identity.school.onboarded`` (identity sends ``school_id`` and ``principal_id``)."""
        school_id = str(data.get("school_id") or data.get("id") or data["slug"])
        SchoolDoc.objects(id=school_id).update_one(
            upsert=True, set__slug=data.get("slug") or school_id, set__name=data.get("name") or school_id,
            set__levels=list(data.get("levels") or []), set__district_id=data["district_id"],
            set__province_id=data.get("province_id"), set__units=list(data.get("units") or []),
            set__principal=data.get("principal_id") or data.get("principal"))
        self.recompute(school_id, "identity.school.onboarded")

    def _at(self, data: dict, occurred_at: str | None) -> datetime:
        raw = data.get("at") or occurred_at
        return aware(datetime.fromisoformat(raw)) if raw else self.clock.now()

    def membership_granted(self, data: dict, occurred_at: str | None = None) -> None:
        """A school role from the day it was granted (district and province roles are not school work).

        Granting a role already held changes nothing (identity's grant is idempotent too), so a
        redelivered or repeated grant never moves the start of someone's obligations.
        """
        if not data.get("school"):
            return
        at = self._at(data, occurred_at)
        key = {"tenant_id": data["school"], "person": data["person"], "role": data["role"], "unit": data.get("unit")}
        held = MembershipDoc.objects(**key).first()
        if held is not None and held.until is None and aware(held.since) <= at:
            return
        try:
            MembershipDoc.objects(**key).update_one(upsert=True, set__since=at, set__until=None)
        except NotUniqueError:  # a concurrent grant of the same role inserted it first: update that one
            MembershipDoc.objects(**key).update_one(set__since=at, set__until=None)
        self.recompute(data["school"], "identity.membership.granted", person=data["person"])

    def membership_revoked(self, data: dict, occurred_at: str | None = None) -> None:
        if not data.get("school"):
            return
        MembershipDoc.objects(tenant_id=data["school"], person=data["person"], role=data["role"],
                              unit=data.get("unit")).update_one(set__until=self._at(data, occurred_at))
        self.recompute(data["school"], "identity.membership.revoked", person=data["person"])

    # ----- calendar -----------------------------------------------------------------------------
    def require_district_staff(self, actor: Principal | None) -> Principal:
        p = require_principal(actor)
        if not (p.roles & DISTRICT_ROLES) or not p.district:
            raise Forbidden("Chỉ Phòng GD&ĐT mới được công bố khung kế hoạch năm học.")
        return p

    def publish_frame(self, actor: Principal, frame: SchoolYearFrame) -> None:
        """Trưởng phòng / chuyên viên publish the district's frame; every school recomputes."""
        p = self.require_district_staff(actor)
        now = self.clock.now()
        self.frames.put(p.district, frame, by=p.sub, at=now, event=calendar_published(p.district, frame, actor=p.sub,
                                                                                     now=now))
        audit(self.audit, "approvals.calendar.frame_published", Acting(p.sub), tenant=None, district=p.district,
              target=f"{p.district}/{frame.year}", data={"year": frame.year})
        for school in self.directory.schools_of(p.district):
            self.recompute(school.id, "calendar.frame")

    def republish_frames(self) -> int:
        """Publish the weeks of every stored frame again (for consumers that came after it); how many."""
        frames = self.frames.every()
        for district, frame in frames:
            self.frames.record(district, frame.year, calendar_published(district, frame, actor=None,
                                                                        now=self.clock.now()))
        return len(frames)

    def frame(self, actor: Principal, year: str) -> SchoolYearFrame:
        """The district's own frame of a school year, for its staff."""
        p = require_principal(actor)
        if not (p.roles & DISTRICT_ROLES) or not p.district:
            raise Forbidden("Chỉ cán bộ Phòng GD&ĐT mới xem được khung kế hoạch năm học của Phòng.")
        frame = self.frames.get(p.district, year)
        if frame is None:
            raise NotFound(f"Phòng chưa công bố khung kế hoạch năm học {year}.", field="year")
        return frame

    def calendar(self, actor: Principal, year: str) -> SchoolCalendar:
        scope = TenantScope.for_principal(actor)
        cal = school_calendar(self.frames, SchoolEventsRepository(scope=scope), scope.district or "", year)
        if cal is None:
            raise NotFound(f"Phòng chưa công bố khung kế hoạch năm học {year}.", field="year")
        return cal

    def set_events(self, actor: Principal, year: str, events: dict[str, date]) -> SchoolCalendar:
        p = self._principal_of_school(actor)
        scope = TenantScope.for_principal(p)
        frame = self.frames.get(scope.district or "", year)
        if frame is None:
            raise NotFound(f"Phòng chưa công bố khung kế hoạch năm học {year}.", field="year")
        for slug, day in events.items():
            if not frame.year_start <= day <= frame.year_end:
                raise ValidationFailed(f"Ngày của sự kiện “{slug}” nằm ngoài năm học {year}.", field=f"events.{slug}")
        SchoolEventsRepository(scope=scope).put(year, events)
        audit(self.audit, "approvals.calendar.events_set", Acting(p.sub), tenant=p.tenant, district=p.district,
              target=f"{p.tenant}/{year}", data={k: v.isoformat() for k, v in events.items()})
        self.recompute(p.tenant or "", "calendar.events")
        return SchoolCalendar(frame, events)

    # ----- rules ----------------------------------------------------------------------------------
    def _principal_of_school(self, actor: Principal) -> Principal:
        p = require_principal(actor)
        if not p.tenant or not p.has_role(HIEU_TRUONG):
            raise Forbidden("Chỉ hiệu trưởng mới được thay đổi quy chế của trường.")
        return p

    def levels(self, school_id: str) -> tuple[str, ...]:
        doc = self.directory.school(school_id)
        return tuple(doc.levels) if doc else ()

    def rules_in_force(self, school_id: str, district: str,
                       catalog: SchoolCatalog | None = None) -> dict[tuple[str, str], DeadlineRule]:
        """The school's rule where it set one, else the school default, for every book item (of ``catalog``)."""
        own = SchoolRuleRepository(scope=TenantScope.school(school_id, district)).all()
        levels = self.levels(school_id)
        out: dict[tuple[str, str], DeadlineRule] = {}
        for book in (catalog or self.catalog(school_id)).owed_books():
            for item in book.items:
                data = own.get((book.slug, item.slug))
                out[(book.slug, item.slug)] = stored_rule(data, item.default_for(levels))
        return out

    def floors(self, district: str, levels: tuple[str, ...], catalog: SchoolCatalog) -> dict[tuple[str, str], DeadlineRule]:
        """The district floor of every book item of ``catalog`` for a school of these levels.

        The district's own floor for the school's level, else its floor for every level, else the
        seeded rule (with the mầm non weekly-plan window), else the default of the item's period kind.
        """
        own = DistrictRuleRepository().all(district)
        out: dict[tuple[str, str], DeadlineRule] = {}
        for book in catalog.owed_books():
            for item in book.items:
                data = next((own[(book.slug, item.slug, lv)] for lv in (*levels, "*")
                             if (book.slug, item.slug, lv) in own), None)
                out[(book.slug, item.slug)] = stored_rule(data, item.floor_for(levels))
        return out

    def set_district_rule(self, actor: Principal, book_type: str, item_slug: str, level: str | None,
                          data: dict) -> DeadlineRule:
        """The trưởng phòng sets the district's floor; every school of the district recomputes.

        School rules looser than the new floor yield to it (``bounded_by_floor``) from then on.
        """
        p = require_principal(actor)
        if not p.has_role(TRUONG_PHONG) or not p.district:
            raise Forbidden("Chỉ trưởng phòng GD&ĐT mới được đặt quy định hạn nộp của Phòng.")
        book_and_item(self.district_catalog(p.district), book_type, item_slug)
        field = f"{book_type}.{item_slug}"
        with domain_errors():
            rule = parse_rule(data, field=field)
            for year in self.open_years(p.district):
                frame = self.frames.get(p.district, year)
                assert frame is not None
                check_sense(rule, SchoolCalendar(frame), field=field)
        DistrictRuleRepository().put(p.district, book_type, item_slug, level or "*", rule_to_data(rule), by=p.sub,
                                     at=self.clock.now())
        audit(self.audit, "approvals.district_rule.set", Acting(p.sub), tenant=None, district=p.district,
              target=f"{p.district}/{field}/{level or '*'}", data={"rule": rule_to_data(rule)})
        for school in self.directory.schools_of(p.district):
            self.recompute(school.id, "district_rule")
        return rule

    def district_rule_view(self, actor: Principal) -> list[dict]:
        p = require_principal(actor)
        if not (p.roles & DISTRICT_ROLES) or not p.district:
            raise Forbidden("Chỉ cán bộ Phòng GD&ĐT mới xem được quy định của Phòng.")
        own = DistrictRuleRepository().all(p.district)
        catalog = self.district_catalog(p.district)
        rows = []
        for book in catalog.owed_books():
            for item in book.items:
                data = own.get((book.slug, item.slug, "*"))
                rule = stored_rule(data, item.floor_for(()))
                rows.append({"book_type": book.slug, "book_name": book.name, "item": item.slug, "label": item.label,
                             "district_rule": rule_to_data(rule), "district_text": rule.describe(),
                             "set_by_district": data is not None,
                             "levels": {lv: rule_to_data(stored_rule(d, item.floor_for((lv,))))
                                        for (b, i, lv), d in own.items()
                                        if (b, i) == (book.slug, item.slug) and lv != "*"}})
        return rows

    def bounded_by_floor(self, rules: dict[tuple[str, str], DeadlineRule], floors: dict[tuple[str, str], DeadlineRule],
                         cal: SchoolCalendar) -> dict[tuple[str, str], DeadlineRule]:
        """The rules for one school year, the district floor replacing any school rule looser in that year.

        A rule is checked against the frames open when it is set; a frame published later (or a
        school event moved) could make it looser, and the floor then wins for that year.
        """
        out = dict(rules)
        for (book_slug, item_slug), rule in rules.items():
            floor = floors.get((book_slug, item_slug))
            if floor is None or rule is floor:
                continue
            try:
                check_within_floor(rule, floor, cal, field=f"{book_slug}.{item_slug}")
                check_within_year(rule, floor, cal, field=f"{book_slug}.{item_slug}")
            except InvalidRule:
                out[(book_slug, item_slug)] = floor
        return out

    @staticmethod
    def approval_rules(catalog: SchoolCatalog, levels: tuple[str, ...] = ()) -> dict[tuple[str, str], DeadlineRule]:
        """By when each of the catalog's items must be approved, for a school of these levels (where the seeds say)."""
        out = {(b.slug, i.slug): i.approval_for(levels) for b in catalog.owed_books() for i in b.items}
        return {key: rule for key, rule in out.items() if rule is not None}

    def signing_due(self, school_id: str, district: str, book_type: str, item: str, year: str,
                    period_key: str) -> datetime | None:
        """By when every signature of this period must be made (học bạ, bảng tổng hợp: before 31/5)."""
        rules = RULES.get((book_type, item))
        if rules is None or rules.signing_floor is None:
            return None
        cal = school_calendar(self.frames, SchoolEventsRepository(scope=TenantScope.school(school_id, district)),
                              district, year)
        if cal is None:
            return None
        return next((p.due_at for p in rules.signing_floor.periods(cal) if p.key in (period_key, year)), None)

    def _current_calendar(self, scope: TenantScope) -> SchoolCalendar | None:
        """The calendar of the school's current (first open) year, for notices on the rules page."""
        years = self.open_years(scope.district or "")
        if not years:
            return None
        return school_calendar(self.frames, SchoolEventsRepository(scope=scope), scope.district or "", years[0])

    def set_holiday_shift(self, actor: Principal, shift: bool) -> bool:
        """The principal chooses whether a due day in a holiday moves to the last school day before it."""
        p = self._principal_of_school(actor)
        scope = TenantScope.for_principal(p)
        SchoolSettingsRepository(scope=scope).put_shift_holidays(shift, by=p.sub, at=self.clock.now())
        audit(self.audit, "approvals.calendar.holiday_shift_set", Acting(p.sub), tenant=p.tenant, district=p.district,
              target=f"{p.tenant}/holiday_shift", data={"shift_holidays": shift})
        self.recompute(p.tenant or "", "calendar.holiday_shift")
        return shift

    def reminder_policy(self, actor: Principal) -> ReminderPolicy:
        """The reminder policy of the actor's school (the default until the principal sets one)."""
        scope = TenantScope.for_principal(require_principal(actor))
        return stored_policy(SchoolSettingsRepository(scope=scope).reminder_policy())

    def set_reminder_policy(self, actor: Principal, data: dict) -> ReminderPolicy:
        """The principal sets when people are reminded and escalated; notifications reads it on its next run."""
        p = self._principal_of_school(actor)
        with domain_errors():
            policy = parse_policy(data)
        SchoolSettingsRepository(scope=TenantScope.for_principal(p)).put_reminder_policy(
            policy.to_data(), by=p.sub, at=self.clock.now())
        audit(self.audit, "approvals.reminder_policy.set", Acting(p.sub), tenant=p.tenant, district=p.district,
              target=f"{p.tenant}/reminders", data={"reminders": policy.to_data()})
        return policy

    def rule_view(self, actor: Principal) -> list[dict]:
        """Both rules for every book item: the district floor and the school's rule (the UI shows both)."""
        scope = TenantScope.for_principal(actor)
        catalog = self.catalog(scope.tenant or "")
        levels = self.levels(scope.tenant or "")
        in_force = self.rules_in_force(scope.tenant or "", scope.district or "", catalog)
        floors = self.floors(scope.district or "", levels, catalog)
        approvals = self.approval_rules(catalog, levels)
        cal = self._current_calendar(scope)
        rows = []
        for book in catalog.owed_books():
            for item in book.items:
                floor = floors[(book.slug, item.slug)]
                mine = in_force[(book.slug, item.slug)]
                approval = approvals.get((book.slug, item.slug))
                seeded = RULES.get((book.slug, item.slug))
                signing = seeded.signing_floor if seeded else None
                rows.append({"book_type": book.slug, "book_name": book.name, "item": item.slug, "label": item.label,
                             "district_rule": rule_to_data(floor), "district_text": floor.describe(),
                             "school_rule": rule_to_data(mine), "school_text": mine.describe(),
                             "approval_rule": rule_to_data(approval) if approval else None,
                             "approval_text": approval.describe() if approval else None,
                             "signing_rule": rule_to_data(signing) if signing else None,
                             "signing_text": signing.describe() if signing else None,
                             "notice": undated_notice(mine, cal) if cal else None})
        return rows

    def set_rule(self, actor: Principal, book_type: str, item_slug: str, data: dict) -> DeadlineRule:
        """A principal sets the school's deadline, refused when looser than the district's in any year."""
        p = self._principal_of_school(actor)
        catalog = self.catalog(p.tenant or "")
        book, item = book_and_item(catalog, book_type, item_slug)
        assert item is not None
        field = f"{book_type}.{item_slug}"
        floor = self.floors(p.district or "", self.levels(p.tenant or ""), catalog)[(book_type, item_slug)]
        events = SchoolEventsRepository(scope=TenantScope.for_principal(p))
        with domain_errors():
            rule = parse_rule(data, field=field)
            years = self.open_years(p.district or "")
            if not years:  # between the closing day and the next frame: next year's rules, checked when it comes
                check_same_cadence(rule, floor, field=field)
            for year in years:
                cal = school_calendar(self.frames, events, p.district or "", year)
                assert cal is not None
                check_within_floor(rule, floor, cal, field=field)
                check_sense(rule, cal, field=field)
                check_within_year(rule, floor, cal, field=field)
        SchoolRuleRepository(scope=TenantScope.for_principal(p)).put(book_type, item_slug, rule_to_data(rule), by=p.sub,
                                                                    at=self.clock.now())
        audit(self.audit, "approvals.rule.set", Acting(p.sub), tenant=p.tenant, district=p.district,
              target=f"{p.tenant}/{field}", data={"rule": rule_to_data(rule)})
        self.recompute(p.tenant or "", "rule")
        return rule

    def open_years(self, district: str) -> list[str]:
        """School years of the district's published frames that have not closed yet."""
        today = self.clock.now().date()
        out = []
        for year in self.frames.years(district):
            frame = self.frames.get(district, year)
            if frame is not None and frame.closing_day >= today:
                out.append(year)
        return out

    # ----- chains ---------------------------------------------------------------------------------
    def chain_for(self, school_id: str, district: str, book_type: str, unit_kind: str | None) -> ChainSpec:
        book, _ = book_and_item(self.catalog(school_id), book_type)
        data = SchoolChainRepository(scope=TenantScope.school(school_id, district)).get_chain(book_type, unit_kind)
        return parse_chain(data) if data else default_chain(book, unit_kind)

    def set_chain(self, actor: Principal, book_type: str, unit_kind: str | None, data: dict) -> ChainSpec:
        p = self._principal_of_school(actor)
        book_and_item(self.catalog(p.tenant or ""), book_type)
        with domain_errors():
            chain = parse_chain(data, field="chain")
        SchoolChainRepository(scope=TenantScope.for_principal(p)).put(
            book_type, unit_kind, chain.model_dump(mode="json"), by=p.sub, at=self.clock.now())
        audit(self.audit, "approvals.chain.set", Acting(p.sub), tenant=p.tenant, district=p.district,
              target=f"{p.tenant}/{book_type}/{unit_kind or '*'}", data={"chain": chain.model_dump(mode="json")})
        return chain
