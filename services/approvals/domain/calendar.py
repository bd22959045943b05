"""School calendar: the district's school-year frame and the school's own events.

The district (or province) publishes the frame of a school year: the opening day,
the end of semester I, the closing day, named points (mid-semester dates) and
holidays such as Tết. A school inherits the frame and adds its own events (the day
of Đại hội Liên đội, the year-end ceremony).

The frame dates the school's first teaching week ("tuần 1"): 2025–2026 opens on
Friday 05/9/2025 and its tuần 1 is Monday 08/9. Week numbers count from that Monday
and skip nothing: a holiday week keeps its number. A week with no school day (every
weekday falls in a holiday) is not a *teaching week*: weekly deadline rules owe
nothing for it, but the following weeks keep their numbers (Tết 2026 is week 24
of school year 2025–2026 and week 25, from 23/02, follows it).

A due day that falls in a holiday moves to the last school day before the holiday
(``SchoolCalendar.due_day``), unless the principal chose to keep due days as they
fall (``shift_holidays=False``, a per-school setting).
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

MAX_FIRST_WEEK_DELAY = timedelta(days=14)
"""The first teaching week starts at most two weeks after the opening day."""

EVENT_NAMES = {
    OPENING: "Khai giảng", END_OF_SEMESTER_1: "Kết thúc học kỳ I", CLOSING: "Kết thúc năm học",
    "giua_hk1": "Giữa học kỳ I", "giua_hk2": "Giữa học kỳ II",
    "dai_hoi_lien_doi": "Đại hội Liên đội", "le_tong_ket": "Lễ tổng kết năm học",
}
"""How people name the calendar's points and the school's events (a slug not listed shows as is)."""


def event_name(slug: str) -> str:
    return EVENT_NAMES.get(slug, slug)


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


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


def default_first_teaching_week(opening_day: date) -> date:
    """Tuần 1 when the frame does not say: the opening week if it opens Monday–Wednesday, else the next Monday."""
    monday = opening_day - timedelta(days=opening_day.weekday())
    return monday if opening_day.weekday() <= 2 else monday + timedelta(weeks=1)


@dataclass(frozen=True)
class SchoolYearFrame:
    """The frame a district publishes for one school year (e.g. ``2025-2026``).

    Impossible frames are refused with a Vietnamese message naming the field: the year
    is ``YYYY-YYYY``; the opening falls in August–October of the first year; the closing
    in the second year before August; semester I ends between them; the first teaching
    week is a Monday, not before the opening week and at most two weeks after the
    opening; every holiday and named point lies inside the school year.
    """

    year: str
    opening_day: date
    semester_1_end: date
    closing_day: date
    holidays: tuple[Holiday, ...] = ()
    points: Mapping[str, date] = field(default_factory=dict)
    first_teaching_week: date | None = None  # the Monday of tuần 1; None: ``default_first_teaching_week``

    def __post_init__(self) -> None:
        start, _, end = self.year.partition("-")
        if not (start.isdigit() and end.isdigit() and len(start) == 4 and int(end) == int(start) + 1):
            raise InvalidRule("Năm học phải có dạng 2025-2026.", field="year")
        first, second = int(start), int(end)
        if not (self.opening_day.year == first and 8 <= self.opening_day.month <= 10):
            raise InvalidRule(f"Ngày khai giảng ({_dmy(self.opening_day)}) phải trong tháng 8 đến tháng 10 "
                              f"năm {first} của năm học {self.year}.", field="opening_day")
        if not (self.closing_day.year == second and self.closing_day.month <= 7):
            raise InvalidRule(f"Ngày kết thúc năm học ({_dmy(self.closing_day)}) phải thuộc năm {second} "
                              f"và trước 01/08/{second}.", field="closing_day")
        if not self.opening_day < self.semester_1_end < self.closing_day:
            raise InvalidRule(f"Ngày kết thúc học kỳ I ({_dmy(self.semester_1_end)}) phải sau ngày khai giảng "
                              f"và trước ngày kết thúc năm học.", field="semester_1_end")
        week1 = self.teaching_week_1
        opening_monday = self.opening_day - timedelta(days=self.opening_day.weekday())
        if week1.weekday() != 0:
            raise InvalidRule(f"Tuần 1 phải bắt đầu vào Thứ Hai ({_dmy(week1)} không phải Thứ Hai).",
                              field="first_teaching_week")
        if week1 < opening_monday:
            raise InvalidRule(f"Tuần 1 ({_dmy(week1)}) không được bắt đầu trước tuần khai giảng "
                              f"({_dmy(self.opening_day)}).", field="first_teaching_week")
        if week1 > self.opening_day + MAX_FIRST_WEEK_DELAY:
            raise InvalidRule(f"Tuần 1 ({_dmy(week1)}) bắt đầu quá xa ngày khai giảng ({_dmy(self.opening_day)}): "
                              "tối đa hai tuần sau ngày khai giảng.", field="first_teaching_week")
        for i, h in enumerate(self.holidays):
            if not h.name.strip():
                raise InvalidRule("Kỳ nghỉ phải có tên.", field=f"holidays[{i}].name")
            if h.first_day > h.last_day:
                raise InvalidRule(f"Kỳ nghỉ “{h.name}” có ngày bắt đầu sau ngày kết thúc.", field=f"holidays[{i}]")
            if h.first_day < self.opening_day or h.last_day > self.closing_day:
                raise InvalidRule(f"Kỳ nghỉ “{h.name}” ({_dmy(h.first_day)}–{_dmy(h.last_day)}) nằm ngoài năm học "
                                  f"({_dmy(self.opening_day)}–{_dmy(self.closing_day)}).", field=f"holidays[{i}]")
        for name, day in self.points.items():
            if not self.year_start <= day <= self.closing_day:
                raise InvalidRule(f"Mốc “{event_name(name)}” ({_dmy(day)}) nằm ngoài năm học {self.year}.",
                                  field=f"points.{name}")

    @property
    def first_year(self) -> int:
        return int(self.year.split("-")[0])

    @property
    def teaching_week_1(self) -> date:
        """The Monday of the school's tuần 1."""
        return self.first_teaching_week or default_first_teaching_week(self.opening_day)

    @property
    def year_start(self) -> date:
        """01/08 of the first year: the preparation month, when plans are due before the opening (31/8, 03/9)."""
        return date(self.first_year, 8, 1)

    @property
    def year_end(self) -> date:
        """31/07 of the second year: the last day anything of this school year may be due."""
        return date(self.first_year + 1, 7, 31)


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

    @property
    def label(self) -> str:
        """How obligations and other services name the week: «Tuần 2 (15/09/2025)»."""
        return f"Tuần {self.number} ({self.monday:%d/%m/%Y})"


@dataclass(frozen=True)
class SchoolCalendar:
    """A school's calendar: the district frame plus the school's own events and holiday setting."""

    frame: SchoolYearFrame
    events: Mapping[str, date] = field(default_factory=dict)
    shift_holidays: bool = True  # a due day in a holiday moves to the last school day before it

    @property
    def year(self) -> str:
        return self.frame.year

    def first_monday(self) -> date:
        """The Monday of tuần 1."""
        return self.frame.teaching_week_1

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5 or not (self.frame.opening_day <= day <= self.frame.closing_day):
            return False
        return self.holiday_of(day) is None

    def holiday_of(self, day: date) -> Holiday | None:
        return next((h for h in self.frame.holidays if h.contains(day)), None)

    def due_day(self, day: date) -> date:
        """The day something falling due on ``day`` is due: a holiday moves it to the last school day before.

        A holiday that starts on the opening day has no school day before it inside the year:
        the day before the holiday is taken. With ``shift_holidays`` off, ``day`` stands.
        """
        holiday = self.holiday_of(day) if self.shift_holidays else None
        if holiday is None:
            return day
        before = holiday.first_day - timedelta(days=1)
        probe = before
        while probe >= self.frame.opening_day:
            if self.is_school_day(probe):
                return probe
            probe -= timedelta(days=1)
        return before

    def week_number(self, day: date) -> int:
        """Week number of ``day``: 1 for tuần 1 (0 or less before it)."""
        return (day - self.first_monday()).days // 7 + 1

    def week(self, number: int) -> TeachingWeek:
        if number < 1:
            raise InvalidRule("Số tuần phải từ 1 trở lên.", field="week")
        monday = self.first_monday() + timedelta(weeks=number - 1)
        days = tuple(d for d in (monday + timedelta(days=i) for i in range(7)) if self.is_school_day(d))
        return TeachingWeek(number, monday, days)

    def last_week_number(self) -> int:
        """The number of the week holding the closing day."""
        return self.week_number(self.frame.closing_day)

    def last_teaching_week(self) -> int:
        """The number of the last week with a school day."""
        return max((w.number for w in self.weeks() if w.is_teaching), default=0)

    def weeks(self) -> Iterator[TeachingWeek]:
        """Every week from tuần 1 to the closing week, holiday weeks included."""
        last = self.last_week_number()
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

    def named_dates(self) -> list[tuple[str, str, date]]:
        """Every date a rule may refer to by slug (frame points, then the school's events), by date:
        ``(slug, Vietnamese name, date)`` — what a deadline editor offers instead of typed codes."""
        dates = {OPENING: self.frame.opening_day, END_OF_SEMESTER_1: self.frame.semester_1_end,
                 CLOSING: self.frame.closing_day, **self.frame.points, **self.events}
        return sorted(((slug, event_name(slug), day) for slug, day in dates.items()), key=lambda e: (e[2], e[0]))

    def date_in_year(self, month: int, day: int) -> date:
        """The date of a day-month inside this school year (August–December: first year)."""
        year = self.frame.first_year if month >= 8 else self.frame.first_year + 1
        return date(year, month, day)
