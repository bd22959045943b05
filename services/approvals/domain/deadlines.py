"""Deadline rules as data: a small tagged union, each kind turning a calendar into periods.

A rule answers one question: for this school year, which periods are owed and when
is each due? Every due time is the end of a day (23:59:59) in Asia/Ho_Chi_Minh.

Kinds (``kind`` tag):

* ``fixed_date`` — “trước ngày X” each school year (05/9, 31/5, 20/9): due by the end of
  the day before X; one period.
* ``weekly_before_teaching`` — a weekday of the week(s) before the teaching week
  (“by Friday of the week before it is taught”); one period per teaching week.
* ``days_before_teaching`` — N days before the first school day of the teaching week
  (“approved at least 3 days before it is taught”); one period per teaching week.
* ``weekday_window`` — upload between two weekdays of the week before the teaching
  week (“on Saturday or Sunday”); due at the end of the window.
* ``monthly_last_day`` / ``monthly_first_weekday`` / ``monthly_day`` /
  ``monthly_end_of_week`` — per month of the school year: the last day, the first
  Monday (any weekday), a day of the month (clamped to the month's last day), the end
  of the N-th week of the month (day 7·N). ``months`` restricts to some months and
  ``not_before`` skips periods due before a day-month (“first upload from 20/9”).
* ``monthly_weekday_window`` — per month: upload between two weekdays of the week before the
  teaching week that holds the month's first school day (“the month's plan on the Saturday or
  Sunday before it is used”); due at the end of the window.
* ``school_week`` — a weekday of school-year week N (“week 19”); one period.
* ``after_event`` — N days after (negative: before) a calendar point or school event
  (“2 days after Đại hội Liên đội”; “by the year-end ceremony” is 0); one period, none
  while the school has not set the event's date.
* ``on_demand`` — owed when something happens (“on every change”), never on a schedule.

Every due day then goes through ``SchoolCalendar.due_day``: a day in a holiday moves to
the last school day before it (a window moves with its due day), unless the school keeps
due days as they fall. A monthly period due before the opening day is due on the opening
day (the Đội's September plan is not due before the school opens).

Stricter or equal: a school rule is within the district's floor when, for every period
the district's rule yields in the school's calendar, the school's rule yields the same
period and its due instant is not later. Rules of different cadences (yearly, weekly,
monthly) cannot be compared and are refused.
"""
from __future__ import annotations

import calendar as _calendar
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, Strict, TypeAdapter, ValidationError, model_validator

from services.approvals.domain.calendar import SchoolCalendar, end_of_day, event_name, start_of_day
from services.approvals.domain.errors import InvalidRule
from services.kernel.periods import month_period, week_period

WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

Cadence = Literal["year", "week", "month", "none"]
# Every number of a rule is a strict whole number: a bool is an int in Python (``weekday: true`` would
# be Tuesday) and "4" or 4.0 are not what a rule editor sends.
Whole = Annotated[int, Strict()]
Weekday = Annotated[Whole, Field(ge=0, le=6, description="0 = Thứ Hai … 6 = Chủ nhật")]
Month = Annotated[Whole, Field(ge=1, le=12)]
DayOfMonth = Annotated[Whole, Field(ge=1, le=31)]
NON_LEAP_YEAR = 2023
"""Day-months are checked against a non-leap year: 29/02 exists only in some school years."""


def _real_day_month(month: int, day: int) -> None:
    if day > _calendar.monthrange(NON_LEAP_YEAR, month)[1]:
        hint = " (chỉ có trong năm nhuận; hãy chọn 28/02 hoặc 01/03)" if (month, day) == (2, 29) else ""
        raise ValueError(f"Tháng {month} không có ngày {day}{hint}")


@dataclass(frozen=True)
class Period:
    """One owed occurrence: ``key`` is stable across recomputations."""

    key: str
    label: str
    due_at: datetime
    opens_at: datetime | None = None
    taught_on: date | None = None


class _Rule(BaseModel, ABC):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cadence: Cadence = "none"

    @abstractmethod
    def periods(self, cal: SchoolCalendar) -> list[Period]:
        """Every period of the school year this rule makes something due in."""

    @abstractmethod
    def describe(self) -> str:
        """The rule in Vietnamese, as the quy chế page shows it."""


class MonthDay(BaseModel):
    """A day-month that every school year has (29/02 is refused: it is missing in most years)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    month: Month
    day: DayOfMonth

    @model_validator(mode="after")
    def _real_day(self) -> "MonthDay":
        _real_day_month(self.month, self.day)
        return self


class FixedDate(_Rule):
    kind: Literal["fixed_date"] = "fixed_date"
    cadence: Literal["year"] = "year"
    month: Month
    day: DayOfMonth

    @model_validator(mode="after")
    def _real_day(self) -> "FixedDate":
        _real_day_month(self.month, self.day)
        return self

    def periods(self, cal: SchoolCalendar) -> list[Period]:
        before = cal.date_in_year(self.month, self.day) - timedelta(days=1)
        return [_year_period(cal, before)]

    def describe(self) -> str:
        return f"trước ngày {self.day:02d}/{self.month:02d} hằng năm (hạn: hết ngày hôm trước)"


def _year_period(cal: SchoolCalendar, due: date) -> Period:
    return Period(cal.year, f"Năm học {cal.year}", end_of_day(cal.due_day(due)))


def _teaching_week_period(cal: SchoolCalendar, number: int, due: date, opens: date | None = None) -> Period:
    """Week ``number``'s period; a due day moved out of a holiday takes its window's opening with it."""
    week = cal.week(number)
    moved = cal.due_day(due)
    if opens is not None:
        opens = opens - (due - moved)
    return Period(
        week_period(cal.year, number).key,
        week.label,
        end_of_day(moved),
        start_of_day(opens) if opens else None,
        week.first_school_day,
    )


class WeeklyBeforeTeaching(_Rule):
    kind: Literal["weekly_before_teaching"] = "weekly_before_teaching"
    cadence: Literal["week"] = "week"
    weekday: Weekday = 4
    weeks_before: Annotated[Whole, Field(ge=0, le=4)] = 1

    def periods(self, cal: SchoolCalendar) -> list[Period]:
        return [
            _teaching_week_period(cal, w.number, w.monday - timedelta(weeks=self.weeks_before) + timedelta(days=self.weekday))
            for w in cal.weeks() if w.is_teaching
        ]

    def describe(self) -> str:
        return f"trước hết {WEEKDAY_NAMES[self.weekday]} của {self.weeks_before} tuần trước tuần dạy"


class DaysBeforeTeaching(_Rule):
    kind: Literal["days_before_teaching"] = "days_before_teaching"
    cadence: Literal["week"] = "week"
    days: Annotated[Whole, Field(ge=0, le=30)]

    def periods(self, cal: SchoolCalendar) -> list[Period]:
        return [
            _teaching_week_period(cal, w.number, w.first_school_day - timedelta(days=self.days))
            for w in cal.weeks() if w.is_teaching
        ]

    def describe(self) -> str:
        return f"ít nhất {self.days} ngày trước ngày dạy"


class WeekdayWindow(_Rule):
    kind: Literal["weekday_window"] = "weekday_window"
    cadence: Literal["week"] = "week"
    start_weekday: Weekday = 5
    end_weekday: Weekday = 6
    weeks_before: Annotated[Whole, Field(ge=0, le=4)] = 1

    @model_validator(mode="after")
    def _ordered(self) -> "WeekdayWindow":
        if self.start_weekday > self.end_weekday:
            raise ValueError("Ngày bắt đầu của khung phải trước hoặc trùng ngày kết thúc.")
        return self

    def periods(self, cal: SchoolCalendar) -> list[Period]:
        out = []
        for w in cal.weeks():
            if w.is_teaching:
                base = w.monday - timedelta(weeks=self.weeks_before)
                out.append(_teaching_week_period(cal, w.number, base + timedelta(days=self.end_weekday),
                                                 base + timedelta(days=self.start_weekday)))
        return out

    def describe(self) -> str:
        return f"từ {WEEKDAY_NAMES[self.start_weekday]} đến hết {WEEKDAY_NAMES[self.end_weekday]} tuần trước tuần dạy"


class _Monthly(_Rule):
    cadence: Literal["month"] = "month"
    months: tuple[Month, ...] | None = None
    not_before: MonthDay | None = None

    @abstractmethod
    def due_in(self, year: int, month: int) -> date:
        """The day this monthly rule falls on in ``month`` of ``year``."""

    def periods(self, cal: SchoolCalendar) -> list[Period]:
        floor = cal.date_in_year(self.not_before.month, self.not_before.day) if self.not_before else None
        out = []
        for y, m in cal.months():
            if self.months is not None and m not in self.months:
                continue
            due = max(self.due_in(y, m), cal.frame.opening_day)
            if floor is None or due >= floor:
                month = month_period(y, m)
                out.append(Period(month.key, month.label, end_of_day(cal.due_day(due))))
        return out

    def _suffix(self) -> str:
        parts = []
        if self.months:
            parts.append("các tháng " + ", ".join(str(m) for m in self.months))
        if self.not_before:
            parts.append(f"từ {self.not_before.day:02d}/{self.not_before.month:02d}")
        return (" (" + "; ".join(parts) + ")") if parts else ""


class MonthlyLastDay(_Monthly):
    kind: Literal["monthly_last_day"] = "monthly_last_day"

    def due_in(self, year: int, month: int) -> date:
        return date(year, month, _calendar.monthrange(year, month)[1])

    def describe(self) -> str:
        return "trước hết ngày cuối tháng" + self._suffix()


class MonthlyFirstWeekday(_Monthly):
    kind: Literal["monthly_first_weekday"] = "monthly_first_weekday"
    weekday: Weekday = 0

    def due_in(self, year: int, month: int) -> date:
        first = date(year, month, 1)
        return first + timedelta(days=(self.weekday - first.weekday()) % 7)

    def describe(self) -> str:
        return f"trước hết {WEEKDAY_NAMES[self.weekday]} đầu tiên của tháng" + self._suffix()


class MonthlyDay(_Monthly):
    kind: Literal["monthly_day"] = "monthly_day"
    day: DayOfMonth

    def due_in(self, year: int, month: int) -> date:
        return date(year, month, min(self.day, _calendar.monthrange(year, month)[1]))

    def describe(self) -> str:
        return f"trước hết ngày {self.day} hằng tháng" + self._suffix()


class MonthlyEndOfWeek(_Monthly):
    kind: Literal["monthly_end_of_week"] = "monthly_end_of_week"
    week: Annotated[Whole, Field(ge=1, le=4)]

    def due_in(self, year: int, month: int) -> date:
        return date(year, month, 7 * self.week)

    def describe(self) -> str:
        return f"trước hết tuần thứ {self.week} của tháng (ngày {7 * self.week})" + self._suffix()


class MonthlyWeekdayWindow(_Rule):
    """A month's plan uploaded in a weekday window before the month is first taught (mầm non, 004 Điều 7.1)."""

    kind: Literal["monthly_weekday_window"] = "monthly_weekday_window"
    cadence: Literal["month"] = "month"
    start_weekday: Weekday = 5
    end_weekday: Weekday = 6

    @model_validator(mode="after")
    def _ordered(self) -> "MonthlyWeekdayWindow":
        if self.start_weekday > self.end_weekday:
            raise ValueError("Ngày bắt đầu của khung phải trước hoặc trùng ngày kết thúc.")
        return self

    def periods(self, cal: SchoolCalendar) -> list[Period]:
        firsts: dict[tuple[int, int], tuple[date, date]] = {}  # month → (its first school day, that week's Monday)
        for week in cal.weeks():
            for day in week.school_days:
                firsts.setdefault((day.year, day.month), (day, week.monday))
        out = []
        for y, m in cal.months():
            if (y, m) not in firsts:
                continue
            first_day, monday = firsts[(y, m)]
            base = monday - timedelta(weeks=1)
            due, opens = base + timedelta(days=self.end_weekday), base + timedelta(days=self.start_weekday)
            moved = cal.due_day(due)
            month = month_period(y, m)
            out.append(Period(month.key, month.label, end_of_day(moved), start_of_day(opens - (due - moved)), first_day))
        return out

    def describe(self) -> str:
        return (f"từ {WEEKDAY_NAMES[self.start_weekday]} đến hết {WEEKDAY_NAMES[self.end_weekday]} "
                "tuần trước tuần có ngày học đầu tiên của tháng")


class SchoolWeek(_Rule):
    kind: Literal["school_week"] = "school_week"
    cadence: Literal["year"] = "year"
    week: Annotated[Whole, Field(ge=1, le=53)]
    weekday: Weekday = 6

    def periods(self, cal: SchoolCalendar) -> list[Period]:
        return [_year_period(cal, cal.week(self.week).monday + timedelta(days=self.weekday))]

    def describe(self) -> str:
        return f"trước hết {WEEKDAY_NAMES[self.weekday]} của tuần {self.week} năm học"


class AfterEvent(_Rule):
    kind: Literal["after_event"] = "after_event"
    cadence: Literal["year"] = "year"
    event: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
    days: Annotated[Whole, Field(ge=-60, le=60)] = 0

    def periods(self, cal: SchoolCalendar) -> list[Period]:
        day = cal.named_date(self.event)
        if day is None:
            return []
        return [_year_period(cal, day + timedelta(days=self.days))]

    def describe(self) -> str:
        if self.days == 0:
            return f"trước hết ngày của sự kiện “{event_name(self.event)}”"
        direction = "sau" if self.days > 0 else "trước"
        return f"{abs(self.days)} ngày {direction} sự kiện “{event_name(self.event)}”"


class OnDemand(_Rule):
    kind: Literal["on_demand"] = "on_demand"
    cadence: Literal["none"] = "none"

    def periods(self, cal: SchoolCalendar) -> list[Period]:
        return []

    def describe(self) -> str:
        return "khi phát sinh"


DeadlineRule = Annotated[
    Union[FixedDate, WeeklyBeforeTeaching, DaysBeforeTeaching, WeekdayWindow, MonthlyLastDay,
          MonthlyFirstWeekday, MonthlyDay, MonthlyEndOfWeek, MonthlyWeekdayWindow, SchoolWeek, AfterEvent, OnDemand],
    Field(discriminator="kind"),
]
_RULE_ADAPTER: TypeAdapter[DeadlineRule] = TypeAdapter(DeadlineRule)

_PYDANTIC_MESSAGES = {
    "missing": "thiếu giá trị bắt buộc",
    "extra_forbidden": "trường không được phép",
    "union_tag_invalid": "loại quy tắc không được hỗ trợ",
    "union_tag_not_found": "thiếu loại quy tắc (kind)",
    "less_than_equal": "giá trị quá lớn",
    "greater_than_equal": "giá trị quá nhỏ",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "string_pattern_mismatch": "chỉ gồm chữ thường không dấu, số và dấu gạch dưới",
}


def parse_rule(data: object, *, field: str = "rule") -> DeadlineRule:
    """Validate a rule from JSON-like data; raise InvalidRule with a Vietnamese message naming the field."""
    try:
        return _RULE_ADAPTER.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if not (isinstance(p, str) and p in _RULE_KINDS))
        where = f"{field}.{loc}" if loc else field
        if err["type"] == "value_error":
            text = str(err.get("ctx", {}).get("error") or err["msg"])
        else:
            text = _PYDANTIC_MESSAGES.get(err["type"], "giá trị không hợp lệ")
        raise InvalidRule(f"Quy tắc hạn nộp không hợp lệ ở “{where}”: {text}.", field=where) from None


_RULE_KINDS = {"fixed_date", "weekly_before_teaching", "days_before_teaching", "weekday_window", "monthly_last_day",
               "monthly_first_weekday", "monthly_day", "monthly_end_of_week", "monthly_weekday_window", "school_week",
               "after_event", "on_demand"}


def rule_to_data(rule: DeadlineRule) -> dict:
    return rule.model_dump(mode="json", exclude={"cadence"})


def _fmt(dt: datetime) -> str:
    return dt.strftime("%H:%M:%S %d/%m/%Y")


def check_same_cadence(school: DeadlineRule, district: DeadlineRule, *, field: str) -> None:
    """Refuse a school rule of another cadence than the district's (yearly, weekly, monthly)."""
    if district.cadence != "none" and school.cadence != district.cadence:
        raise InvalidRule(
            f"Quy tắc của trường ở “{field}” phải cùng chu kỳ với quy tắc của Phòng "
            f"({district.describe()}); không so sánh được với “{school.describe()}”.",
            field=field,
        )


def check_within_floor(school: DeadlineRule, district: DeadlineRule, cal: SchoolCalendar, *, field: str) -> None:
    """Refuse a school rule that is looser than the district floor in the school's calendar.

    For every period the district rule yields, the school rule must yield the same period
    with a due instant at or before the district's.
    """
    if district.cadence == "none":
        return
    check_same_cadence(school, district, field=field)
    mine = {p.key: p for p in school.periods(cal)}
    for floor in district.periods(cal):
        own = mine.get(floor.key)
        if own is None:
            raise InvalidRule(
                f"Quy tắc của trường ở “{field}” bỏ sót kỳ {floor.label} mà Phòng yêu cầu "
                f"(hạn của Phòng: {_fmt(floor.due_at)}).",
                field=field,
            )
        if own.due_at > floor.due_at:
            raise InvalidRule(
                f"Hạn của trường ở “{field}” lỏng hơn quy định của Phòng: kỳ {floor.label} trường đặt "
                f"{_fmt(own.due_at)}, muộn hơn hạn của Phòng {_fmt(floor.due_at)}. "
                "Hạn của trường chỉ được bằng hoặc sớm hơn.",
                field=field,
            )


def _day(dt: datetime) -> str:
    return dt.strftime("%d/%m/%Y")


def check_sense(rule: DeadlineRule, cal: SchoolCalendar, *, field: str) -> None:
    """Refuse a rule that makes no sense in this school year (district floors when set; school rules too).

    Every period is due inside the school year (01/08 to 31/07); a weekly period is due
    before its teaching week starts; a school-year week exists as a teaching week.
    """
    if isinstance(rule, SchoolWeek) and rule.week > cal.last_teaching_week():
        raise InvalidRule(
            f"Quy tắc ở “{field}” nêu tuần {rule.week}, nhưng năm học {cal.year} chỉ có "
            f"{cal.last_teaching_week()} tuần dạy học.", field=field)
    start, end = start_of_day(cal.frame.year_start), end_of_day(cal.frame.year_end)
    for p in rule.periods(cal):
        if not start <= p.due_at <= end:
            raise InvalidRule(
                f"Quy tắc ở “{field}” cho hạn {_day(p.due_at)} (kỳ {p.label}), nằm ngoài năm học {cal.year} "
                f"({_day(start)}–{_day(end)}).", field=field)
        if rule.cadence == "week" and p.taught_on is not None and p.due_at >= start_of_day(p.taught_on):
            raise InvalidRule(
                f"Quy tắc hằng tuần ở “{field}” phải có hạn trước khi tuần dạy bắt đầu: kỳ {p.label} có hạn "
                f"{_fmt(p.due_at)}, không trước ngày dạy đầu tiên {p.taught_on:%d/%m/%Y}.", field=field)


def check_within_year(school: DeadlineRule, district: DeadlineRule, cal: SchoolCalendar, *, field: str) -> None:
    """Refuse a school rule that moves a due date after the school year closes.

    The limit is the end of the closing day, or the district floor's own due time for that
    period when the district set a later one (học bạ signed before 31/5 after a 29/5 closing).
    """
    closing = end_of_day(cal.frame.closing_day)
    floors = {p.key: p.due_at for p in district.periods(cal)}
    for p in school.periods(cal):
        limit = max(closing, floors.get(p.key, closing))
        if p.due_at > limit:
            raise InvalidRule(
                f"Hạn của trường ở “{field}” ({_fmt(p.due_at)}, kỳ {p.label}) sau khi năm học {cal.year} kết thúc "
                f"({cal.frame.closing_day:%d/%m/%Y}); hạn của trường không được muộn hơn ngày kết thúc năm học.",
                field=field)


def undated_events(rule: DeadlineRule, cal: SchoolCalendar) -> list[str]:
    """The events a rule needs that the school has not dated (its periods are not owed until then)."""
    if isinstance(rule, AfterEvent) and cal.named_date(rule.event) is None:
        return [rule.event]
    return []


def undated_notice(rule: DeadlineRule, cal: SchoolCalendar) -> str | None:
    """What the school reads where a rule waits for a date it has not set."""
    missing = undated_events(rule, cal)
    if not missing:
        return None
    names = ", ".join(f"“{event_name(e)}”" for e in missing)
    return (f"Trường chưa nhập ngày {names} của năm học {cal.year} nên chưa tính được hạn của mục này; "
            "hãy nhập ngày trong lịch của trường.")
