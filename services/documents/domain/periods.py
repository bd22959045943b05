"""Which period keys a book takes, on top of the one key grammar of ``services.kernel.periods``.

A book's items say their period kind (year, semester, month, week, event-relative); an upload's
period must be a well-formed key of one of those kinds (an event-relative item is keyed by the
school year). Which teaching weeks a school really has is approvals' calendar, which documents
projects from ``approvals.calendar.published`` (``SchoolWeeks``): folders and addresses list its
teaching weeks and a month's export takes the weeks whose Monday falls in the month. Without a
frame no week is listed; uploads still accept any week the grammar allows (``t01`` … ``t53``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.documents.domain.catalog_model import BookType, PeriodKind as ItemKind
from services.kernel.periods import (
    Period, PeriodError, PeriodKind, month_period, parse_period, parse_school_year, semester_period, year_period,
)

__all__ = ["Listed", "PeriodError", "SchoolWeeks", "Week", "check_period", "listed_periods", "parse_school_year",
           "takes_weeks"]

KEY_KIND = {ItemKind.YEAR: PeriodKind.YEAR, ItemKind.EVENT: PeriodKind.YEAR, ItemKind.SEMESTER: PeriodKind.SEMESTER,
            ItemKind.MONTH: PeriodKind.MONTH, ItemKind.WEEK: PeriodKind.WEEK}
_ORDER = (PeriodKind.YEAR, PeriodKind.SEMESTER, PeriodKind.MONTH, PeriodKind.WEEK)


def key_kinds(book: BookType) -> list[PeriodKind]:
    """The kinds of period key a book takes, from its items."""
    kinds = {KEY_KIND[i.period_kind] for i in book.owed_items()}
    return [k for k in _ORDER if k in kinds]


def check_period(book: BookType, key: str) -> Period:
    """The period ``key`` names if ``book`` takes it; ``PeriodError`` (Vietnamese) otherwise."""
    period = parse_period(key)
    if period.kind not in key_kinds(book):
        raise PeriodError(f"Kỳ “{key}” không phải kỳ nộp của “{book.name}”.")
    return period


@dataclass(frozen=True)
class Week:
    """One week of the district's frame, as approvals publishes it (a holiday week is not ``teaching``)."""

    key: str
    number: int
    monday: date
    teaching: bool
    label: str


@dataclass(frozen=True)
class SchoolWeeks:
    """The weeks of one school year by the district's frame (tuần 1 first)."""

    school_year: str
    weeks: tuple[Week, ...]

    def teaching(self) -> list[Week]:
        """The weeks with a school day: the weeks a weekly book is kept for."""
        return [w for w in self.weeks if w.teaching]

    def of_month(self, month: str) -> list[str]:
        """Week keys whose Monday falls in ``month`` (``YYYY-MM``, a month of this school year)."""
        period = parse_period(month)
        if period.kind is not PeriodKind.MONTH or period.school_year != self.school_year:
            raise PeriodError(f"Tháng “{month}” không thuộc năm học {self.school_year}.")
        return [w.key for w in self.weeks if f"{w.monday:%Y-%m}" == month]


@dataclass(frozen=True)
class Listed:
    """A period shown for a book: its key and its Vietnamese label."""

    key: str
    label: str


def _listed(period: Period) -> Listed:
    return Listed(period.key, period.label)


def listed_periods(book: BookType, school_year: str, weeks: SchoolWeeks | None) -> list[Listed]:
    """The periods of ``school_year`` shown for ``book``, in order (every kind its items take).

    Weeks are the teaching weeks of ``weeks`` (approvals' calendar); none without a frame.
    """
    start, end = parse_school_year(school_year)
    out: list[Listed] = []
    for kind in key_kinds(book):
        if kind is PeriodKind.YEAR:
            out.append(_listed(year_period(school_year)))
        elif kind is PeriodKind.SEMESTER:
            out += [_listed(semester_period(school_year, 1)), _listed(semester_period(school_year, 2))]
        elif kind is PeriodKind.MONTH:
            out += [_listed(month_period(start, m)) for m in range(9, 13)]
            out += [_listed(month_period(end, m)) for m in range(1, 6)]
        elif weeks is not None:
            out += [Listed(w.key, w.label) for w in weeks.teaching()]
    return out


def takes_weeks(book: BookType) -> bool:
    """Whether ``book`` has weekly items (its weeks come from the calendar)."""
    return PeriodKind.WEEK in key_kinds(book)
