"""School calendar: the district's school-year frame and the school's own events.

The district (or province) publishes the frame of a school year: the opening day,
the end of semester I, the closing day, named points (mid-semester dates) and
holidays such as Tết. A school inherits the frame and adds its own events (the day
of Đại hội Liên đội, the year-end ceremony).

Week numbers count from the week (Monday to Sunday) containing the opening day and
skip nothing: a holiday week keeps its number. A week with no school day (every
weekday falls in a holiday) is not a *teaching week*: weekly deadline rules owe
nothing for it, but the following weeks keep their numbers (Tết 2026 is week 25
of school year 2025–2026 and week 26 follows it).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.approvals.domain.errors import InvalidRule

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
END_OF_DAY = time(23, 59, 59)

# Named points every frame provides; deadline rules may refer to them like events.
OPENING = "khai_giang"
END_OF_SEMESTER_1 = "ket_thuc_hk1"
CLOSING = "ket_thuc_nam_hoc"


def end_of_day(day: date) -> datetime:
    """The cut-off of a due day: 23:59:59 in Asia/Ho_Chi_Minh."""
    return datetime.combine(day, END_OF_DAY, tzinfo=TIMEZONE)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=TIMEZONE)


@dataclass(frozen=True)
class Holiday:
    """A closed span of days without school (both ends included)."""

    name: str
    first_day: date
    last_day: date

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class SchoolYearFrame:
    """The frame a district publishes for one school year (e.g. ``2025-2026``)."""

    year: str
    opening_day: date
    semester_1_end: date
    closing_day: date
    holidays: tuple[Holiday, ...] = ()
    points: Mapping[str, date] = field(default_factory=dict)

    def __post_init__(self) -> None:
        start, _, end = self.year.partition("-")
        if not (start.isdigit() and end.isdigit() and int(end) == int(start) + 1):
            raise InvalidRule("Năm học phải có dạng 2025-2026.", field="year")
        if not self.opening_day < self.semester_1_end < self.closing_day:
            raise InvalidRule(
                "Ngày khai giảng, ngày kết thúc học kỳ I và ngày kết thúc năm học phải theo đúng thứ tự.",
                field="semester_1_end",
            )
        if self.opening_day.year != int(start):
            raise InvalidRule("Ngày khai giảng phải thuộc năm đầu của năm học.", field="opening_day")
        for i, h in enumerate(self.holidays):
            if h.first_day > h.last_day:
                raise InvalidRule(f"Kỳ nghỉ “{h.name}” có ngày bắt đầu sau ngày kết thúc.", field=f"holidays[{i}]")

    @property
    def first_year(self) -> int:
        return int(self.year.split("-")[0])


@dataclass(frozen=True)
class TeachingWeek:
    """Week ``number`` of the school year (Monday ``monday``); ``school_days`` excludes holidays."""

    number: int
    monday: date
    school_days: tuple[date, ...]

    @property
    def is_teaching(self) -> bool:
        return bool(self.school_days)

    @property
    def first_school_day(self) -> date:
        return self.school_days[0]


@dataclass(frozen=True)
class SchoolCalendar:
    """A school's calendar: the district frame plus the school's own events."""

    frame: SchoolYearFrame
    events: Mapping[str, date] = field(default_factory=dict)

    @property
    def year(self) -> str:
        return self.frame.year

    def first_monday(self) -> date:
        return self.frame.opening_day - timedelta(days=self.frame.opening_day.weekday())

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5 or not (self.frame.opening_day <= day <= self.frame.closing_day):
            return False
        return not any(h.contains(day) for h in self.frame.holidays)

    def week_number(self, day: date) -> int:
        """Week number of ``day``: 1 for the week containing the opening day."""
        return (day - self.first_monday()).days // 7 + 1

    def week(self, number: int) -> TeachingWeek:
        if number < 1:
            raise InvalidRule("Số tuần phải từ 1 trở lên.", field="week")
        monday = self.first_monday() + timedelta(weeks=number - 1)
        days = tuple(d for d in (monday + timedelta(days=i) for i in range(7)) if self.is_school_day(d))
        return TeachingWeek(number, monday, days)

    def weeks(self) -> Iterator[TeachingWeek]:
        """Every week from the opening week to the closing week, holiday weeks included."""
        last = self.week_number(self.frame.closing_day)
        for n in range(1, last + 1):
            yield self.week(n)

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month from the opening month to the closing month."""
        out: list[tuple[int, int]] = []
        y, m = self.frame.opening_day.year, self.frame.opening_day.month
        while (y, m) <= (self.frame.closing_day.year, self.frame.closing_day.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def named_date(self, name: str) -> date | None:
        """A frame point or a school event by slug; None when the school has not set it."""
        builtin = {OPENING: self.frame.opening_day, END_OF_SEMESTER_1: self.frame.semester_1_end,
                   CLOSING: self.frame.closing_day}
        if name in builtin:
            return builtin[name]
        if name in self.events:
            return self.events[name]
        return self.frame.points.get(name)

    def date_in_year(self, month: int, day: int) -> date:
        """The date of a day-month inside this school year (August–December: first year)."""
        year = self.frame.first_year if month >= 8 else self.frame.first_year + 1
        return date(year, month, day)
