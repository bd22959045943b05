"""Obligations: who owes which book item for which period, and by when.

Computed from the school's catalog (documents' books, items and owners), the school's people
and memberships, the school's rules in force and its calendar. Who owes which copy of a book
is the shared owner rule (``services.kernel.ownership``, the one documents checks uploads
with), so everything owed here is uploadable there: a school owes only the books of its
levels, a person only those of the level of the units they hold roles in. The period key
follows the item's period kind (``kernel.periods``): a yearly or event-relative item is keyed
by the school year, a semester item by the semester its due day falls in, weeks and months by
the rule's own periods. A membership owes only what falls due while it is held: a teacher
joining mid-year owes from that day, not before; a teacher who leaves owes nothing due after
leaving. Units without a tổ trưởng owe no tổ books (there is nobody to submit them) until one
is appointed.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.approvals.domain.calendar import SchoolCalendar
from services.approvals.domain.catalog import Book, CatalogItem, SchoolCatalog
from services.approvals.domain.deadlines import DeadlineRule, Period
from services.kernel.ownership import CLASS_KIND, GVCN_ROLES, TEAM_KINDS, UnitInfo, slot_of
from services.kernel.periods import semester_period, year_period

TO_KINDS = TEAM_KINDS
__all__ = ["CLASS_KIND", "GVCN_ROLES", "Membership", "Obligation", "SchoolInfo", "compute_obligations"]


@dataclass(frozen=True)
class Membership:
    person: str
    role: str
    unit: str | None
    since: datetime
    until: datetime | None = None

    def holds_at(self, at: datetime) -> bool:
        return self.since <= at and (self.until is None or at < self.until)


@dataclass(frozen=True)
class SchoolInfo:
    id: str
    district: str
    levels: tuple[str, ...]
    unit_kinds: Mapping[str, str]  # unit id → kind
    unit_levels: Mapping[str, str] = field(default_factory=dict)  # unit id → education level, when identity says

    def units(self) -> dict[str, UnitInfo]:
        return {u: UnitInfo(u, k, self.unit_levels.get(u)) for u, k in self.unit_kinds.items()}


@dataclass(frozen=True)
class Obligation:
    id: str
    tenant: str
    year: str
    book_type: str
    item: str
    period_key: str
    period_label: str
    subject: str
    owner: str
    unit: str | None
    due_at: datetime
    approval_due_at: datetime | None


@dataclass(frozen=True)
class _Subject:
    subject: str
    owner: str
    unit: str | None
    membership: Membership


def obligation_id(tenant: str, book: str, item: str, period: str, subject: str) -> str:
    return f"{tenant}|{book}|{item}|{period}|{subject}"


def teacher_units(school: SchoolInfo, memberships: Iterable[Membership]) -> dict[str, str]:
    """The tổ each person teaches in (first one found), for progress per tổ."""
    out: dict[str, str] = {}
    for m in memberships:
        if m.unit and school.unit_kinds.get(m.unit) in TO_KINDS and m.person not in out:
            out[m.person] = m.unit
    return out


def _subjects(book: Book, school: SchoolInfo, memberships: list[Membership], tos: Mapping[str, str],
              units: Mapping[str, UnitInfo]) -> list[_Subject]:
    """Who owes ``book``, one subject per membership that makes its holder keep a copy (the owner rule).

    The subject is whose copy it is: the class for a class book, the tổ for a tổ book, the person
    for a personal or school book (each holder of a school book's role answers for it). A GVCN's
    class books count in their tổ's progress.
    """
    out = []
    for m in memberships:
        slot = slot_of(m.person, m.role, m.unit, book.owner, units, school.levels)
        if slot is None or slot.contributor:
            continue
        if book.owner.kind == "class":
            out.append(_Subject(slot.owner_key, m.person, tos.get(m.person), m))
        elif book.owner.kind == "unit":
            out.append(_Subject(slot.owner_key, m.person, slot.unit_id, m))
        else:
            out.append(_Subject(m.person, m.person, slot.unit_id, m))
    return out


def _keyed(item: CatalogItem, period: Period, calendar: SchoolCalendar) -> tuple[str, str]:
    """The period key and label of one occurrence, by the item's period kind."""
    if item.period_kind in ("year", "event"):
        p = year_period(calendar.year)
        return p.key, p.label
    if item.period_kind == "semester":
        end_1 = calendar.frame.semester_1_end
        p = semester_period(calendar.year, 1 if period.due_at.date() <= end_1 else 2)
        return p.key, p.label
    return period.key, period.label


def compute_obligations(
    school: SchoolInfo,
    catalog: SchoolCatalog,
    memberships: Iterable[Membership],
    calendar: SchoolCalendar,
    rules: Mapping[tuple[str, str], DeadlineRule],
    approval_rules: Mapping[tuple[str, str], DeadlineRule] | None = None,
    *,
    only_person: str | None = None,
) -> list[Obligation]:
    """Every obligation of one school for one school year (or only those ``only_person`` owes).

    Only the catalog's books kept on the platform are owed (not those of another national system).

    ``rules`` maps (book, item) to the rule in force for this school; ``approval_rules``
    to the district's approval deadline where there is one (lesson plans).
    """
    members = list(memberships)
    tos = teacher_units(school, members)
    units = school.units()
    out: list[Obligation] = []
    for book in catalog.owed_books():
        subjects = [s for s in _subjects(book, school, members, tos, units) if only_person in (None, s.owner)]
        if not subjects:
            continue
        for item in book.items:
            rule = rules.get((book.slug, item.slug))
            if rule is None:
                continue
            periods = rule.periods(calendar)
            if not periods:
                continue
            approval = (approval_rules or {}).get((book.slug, item.slug))
            approval_due = {p.key: p.due_at for p in approval.periods(calendar)} if approval else {}
            keyed = [(p, *_keyed(item, p, calendar)) for p in periods]
            seen: set[str] = set()
            for s in subjects:
                for p, key, label in keyed:
                    oid = obligation_id(school.id, book.slug, item.slug, key, s.subject)
                    if oid in seen or not s.membership.holds_at(p.due_at):
                        continue
                    seen.add(oid)
                    out.append(Obligation(oid, school.id, calendar.year, book.slug, item.slug, key, label,
                                          s.subject, s.owner, s.unit, p.due_at, approval_due.get(p.key)))
    return out
