"""Which period keys a book takes, on top of the one key grammar of ``services.kernel.periods``.

A book's items say their period kind (year, semester, month, week, event-relative); an upload's
period must be a well-formed key of one of those kinds (an event-relative item is keyed by the
school year). Which teaching weeks a school really has is approvals' calendar: documents accepts
any week the grammar allows (``t01`` … ``t53``) and *lists* the weeks of a usual school year
(from the week of 5 September to 31 May) only to show folders and addresses.
"""
from __future__ import annotations

from datetime import date, timedelta

from services.documents.domain.catalog_model import BookType, PeriodKind as ItemKind
from services.kernel.periods import (
    Period, PeriodError, PeriodKind, month_period, parse_period, parse_school_year, semester_period, week_period,
    year_period,
)

__all__ = ["PeriodError", "check_period", "listed_periods", "parse_school_year", "weeks_of_month"]

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


def _first_monday(school_year: str) -> date:
    start, _ = parse_school_year(school_year)
    opening = date(start, 9, 5)
    return opening - timedelta(days=opening.weekday())


def _listed_weeks(school_year: str) -> list[Period]:
    _, end = parse_school_year(school_year)
    count = (date(end, 5, 31) - _first_monday(school_year)).days // 7 + 1
    return [week_period(school_year, n) for n in range(1, count + 1)]


def listed_periods(book: BookType, school_year: str) -> list[Period]:
    """The periods of ``school_year`` shown for ``book``, in order (every kind its items take)."""
    start, end = parse_school_year(school_year)
    out: list[Period] = []
    for kind in key_kinds(book):
        if kind is PeriodKind.YEAR:
            out.append(year_period(school_year))
        elif kind is PeriodKind.SEMESTER:
            out += [semester_period(school_year, 1), semester_period(school_year, 2)]
        elif kind is PeriodKind.MONTH:
            out += [month_period(start, m) for m in range(9, 13)] + [month_period(end, m) for m in range(1, 6)]
        else:
            out += _listed_weeks(school_year)
    return out


def weeks_of_month(school_year: str, month: str) -> list[str]:
    """Listed week keys of ``school_year`` whose Monday falls in ``month`` (``YYYY-MM``)."""
    period = parse_period(month)
    if period.kind is not PeriodKind.MONTH or period.school_year != school_year:
        raise PeriodError(f"Tháng “{month}” không thuộc năm học {school_year}.")
    first = _first_monday(school_year)
    return [w.key for w in _listed_weeks(school_year)
            if f"{(first + timedelta(weeks=int(w.number or 0) - 1)):%Y-%m}" == month]
