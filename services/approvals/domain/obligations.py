"""Obligations: who owes which book item for which period, and by when.

Computed from the catalog (who owns a book), the school's people and memberships, the
school's rules in force and its calendar. A membership owes only what falls due while
it is held: a teacher joining mid-year owes from that day, not before; a teacher who
leaves owes nothing due after leaving. Units without a tổ trưởng owe no tổ books
(there is nobody to submit them) until one is appointed.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from services.approvals.domain.calendar import SchoolCalendar
from services.approvals.domain.catalog import BOOKS, Book
from services.approvals.domain.deadlines import DeadlineRule

TO_KINDS = frozenset({"to_chuyen_mon", "to_van_phong"})
CLASS_KIND = "lop"
GVCN_ROLES = frozenset({"gvcn", "chu_nhiem"})


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


def _subjects(book: Book, school: SchoolInfo, memberships: list[Membership], tos: Mapping[str, str]) -> list[_Subject]:
    kinds = school.unit_kinds
    if book.owner == "teacher":
        return [_Subject(m.person, m.person, m.unit, m) for m in memberships
                if m.role == "giao_vien" and kinds.get(m.unit or "") == "to_chuyen_mon"]
    if book.owner == "gvcn":
        return [_Subject(m.unit, m.person, tos.get(m.person), m) for m in memberships
                if m.unit and kinds.get(m.unit) == CLASS_KIND and (m.role in GVCN_ROLES or m.role == "giao_vien")]
    if book.owner == "unit":
        return [_Subject(m.unit, m.person, m.unit, m) for m in memberships
                if m.role == "to_truong" and m.unit and kinds.get(m.unit) in TO_KINDS]
    return [_Subject(m.person, m.person, m.unit if kinds.get(m.unit or "") in TO_KINDS else None, m)
            for m in memberships if m.role == book.owner]


def compute_obligations(
    school: SchoolInfo,
    memberships: Iterable[Membership],
    calendar: SchoolCalendar,
    rules: Mapping[tuple[str, str], DeadlineRule],
    approval_rules: Mapping[tuple[str, str], DeadlineRule] | None = None,
    *,
    only_person: str | None = None,
) -> list[Obligation]:
    """Every obligation of one school for one school year (or only those ``only_person`` owes).

    ``rules`` maps (book, item) to the rule in force for this school; ``approval_rules``
    to the district's approval deadline where there is one (lesson plans).
    """
    members = list(memberships)
    tos = teacher_units(school, members)
    out: list[Obligation] = []
    for book in BOOKS.values():
        subjects = [s for s in _subjects(book, school, members, tos) if only_person in (None, s.owner)]
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
            seen: set[str] = set()
            for s in subjects:
                for p in periods:
                    oid = obligation_id(school.id, book.slug, item.slug, p.key, s.subject)
                    if oid in seen or not s.membership.holds_at(p.due_at):
                        continue
                    seen.add(oid)
                    out.append(Obligation(oid, school.id, calendar.year, book.slug, item.slug, p.key, p.label,
                                          s.subject, s.owner, s.unit, p.due_at, approval_due.get(p.key)))
    return out
