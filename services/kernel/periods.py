"""Period keys: the one name of a submission period, shared by every service and the web app.

A period key says *which occurrence* of a book item is meant; it never depends on who
computes it. The grammar (``school year`` is ``YYYY-YYYY``, the second year one more):

* ``2025-2026``      the school year: yearly items, and items due at a moment of the year
                     (event-relative: the item names the moment, e.g. ``giua_nam``);
* ``2025-2026.hk1``  a semester (``hk1``, ``hk2``);
* ``2025-09``        a month; September–December belong to the school year starting that
                     year, January–August to the one that started the year before;
* ``2025-2026.t07``  teaching week 7 of the school's own calendar (``t01`` … ``t53``):
                     week 1 is the school's first teaching week, which approvals' calendar
                     dates; the key itself carries no date.

Which weeks a school year really has, and when each is due, is the calendar's business
(approvals); documents checks only that a key is well formed, of the item's kind and in
the school year. Labels are Vietnamese and the same everywhere: services send them, the
web app shows them as sent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

MAX_WEEKS = 53
"""A school year never spans more weeks than a calendar year has."""

_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
_SEMESTER = re.compile(r"^(\d{4}-\d{4})\.hk([12])$")
_WEEK = re.compile(r"^(\d{4}-\d{4})\.t(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodKind(str, Enum):
    """The kinds of period a key can name (an event-relative item uses the year key)."""

    YEAR = "year"
    SEMESTER = "semester"
    MONTH = "month"
    WEEK = "week"


class PeriodError(ValueError):
    """A key that is not a period of the grammar, or not of the school year asked for (Vietnamese)."""


@dataclass(frozen=True, order=True)
class Period:
    """A parsed period key; ``number`` is the semester (1, 2), the month (1–12) or the week (1–53)."""

    school_year: str
    kind: PeriodKind
    number: int | None = None

    @property
    def key(self) -> str:
        start, end = parse_school_year(self.school_year)
        if self.kind is PeriodKind.YEAR:
            return self.school_year
        if self.kind is PeriodKind.SEMESTER:
            return f"{self.school_year}.hk{self.number}"
        if self.kind is PeriodKind.WEEK:
            return f"{self.school_year}.t{self.number:02d}"
        month = int(self.number or 0)
        return f"{start if month >= 9 else end}-{month:02d}"

    @property
    def label(self) -> str:
        """The period in Vietnamese, as every screen and message shows it."""
        if self.kind is PeriodKind.YEAR:
            return f"Năm học {self.school_year}"
        if self.kind is PeriodKind.SEMESTER:
            return f"Học kỳ {'I' if self.number == 1 else 'II'} năm học {self.school_year}"
        if self.kind is PeriodKind.WEEK:
            return f"Tuần {self.number} năm học {self.school_year}"
        start, end = parse_school_year(self.school_year)
        month = int(self.number or 0)
        return f"Tháng {month}/{start if month >= 9 else end}"

    def __str__(self) -> str:
        return self.key


def parse_school_year(school_year: str) -> tuple[int, int]:
    """``(2025, 2026)`` for ``"2025-2026"``; ``PeriodError`` for anything else."""
    match = _YEAR.match(school_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise PeriodError(f"Năm học không hợp lệ: “{school_year}” (ví dụ: 2025-2026).")
    return int(match.group(1)), int(match.group(2))


def school_year_of_month(year: int, month: int) -> str:
    """The school year a calendar month belongs to (September starts a new one)."""
    first = year if month >= 9 else year - 1
    return f"{first}-{first + 1}"


def year_period(school_year: str) -> Period:
    parse_school_year(school_year)
    return Period(school_year, PeriodKind.YEAR)


def semester_period(school_year: str, number: int) -> Period:
    parse_school_year(school_year)
    if number not in (1, 2):
        raise PeriodError(f"Học kỳ không hợp lệ: {number} (chỉ có học kỳ I và II).")
    return Period(school_year, PeriodKind.SEMESTER, number)


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise PeriodError(f"Tháng không hợp lệ: {month}.")
    return Period(school_year_of_month(year, month), PeriodKind.MONTH, month)


def week_period(school_year: str, number: int) -> Period:
    parse_school_year(school_year)
    if not 1 <= number <= MAX_WEEKS:
        raise PeriodError(f"Tuần không hợp lệ: {number} (một năm học có tối đa {MAX_WEEKS} tuần).")
    return Period(school_year, PeriodKind.WEEK, number)


def parse_period(key: str) -> Period:
    """The period a key names; ``PeriodError`` (Vietnamese, naming the key) when it names none."""
    text = key if isinstance(key, str) else ""
    if _YEAR.match(text):
        return year_period(text)
    if match := _SEMESTER.match(text):
        return semester_period(match.group(1), int(match.group(2)))
    if match := _WEEK.match(text):
        return week_period(match.group(1), int(match.group(2)))
    if match := _MONTH.match(text):
        return month_period(int(match.group(1)), int(match.group(2)))
    raise PeriodError(f"Kỳ không hợp lệ: “{key}” (ví dụ: 2025-2026, 2025-2026.hk1, 2025-09, 2025-2026.t07).")


def period_label(key: str) -> str:
    """The Vietnamese label of a key (the key itself when it is not one, so nothing shows blank)."""
    try:
        return parse_period(key).label
    except PeriodError:
        return key
