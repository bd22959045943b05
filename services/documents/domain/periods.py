"""Periods of a school year: the slots a book is submitted in, by cadence.

A school year runs September to May (``"2025-2026"``). Period keys are stable strings:
``2025-2026`` (whole year; also event and continuous books), ``2025-2026.hk1`` /
``2025-2026.hk2`` (semesters), ``2025-09`` … ``2026-05`` (months) and
``2025-2026.t01`` … ``2025-2026.t35`` (teaching weeks counted from the opening).
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from services.documents.domain.catalog_model import Cadence

WEEKS_PER_YEAR = 35
_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


class PeriodError(ValueError):
    """An unknown school year or a period that does not belong to it (Vietnamese message)."""


def parse_school_year(school_year: str) -> tuple[int, int]:
    match = _YEAR.match(school_year or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise PeriodError(f"Năm học không hợp lệ: “{school_year}” (ví dụ: 2025-2026).")
    return int(match.group(1)), int(match.group(2))


def periods_for(school_year: str, cadence: Cadence) -> list[str]:
    """Every period of ``school_year`` for a book of ``cadence``, in order."""
    start, end = parse_school_year(school_year)
    if cadence in (Cadence.SCHOOL_YEAR, Cadence.EVENT, Cadence.CONTINUOUS):
        return [school_year]
    if cadence is Cadence.SEMESTER:
        return [f"{school_year}.hk1", f"{school_year}.hk2"]
    if cadence is Cadence.MONTH:
        return [f"{start}-{m:02d}" for m in range(9, 13)] + [f"{end}-{m:02d}" for m in range(1, 6)]
    return [f"{school_year}.t{w:02d}" for w in range(1, WEEKS_PER_YEAR + 1)]


def check_period(school_year: str, cadence: Cadence, period: str) -> str:
    """Return ``period`` if it is a period of the year for the cadence, else raise ``PeriodError``."""
    if period not in periods_for(school_year, cadence):
        raise PeriodError(f"Kỳ “{period}” không thuộc năm học {school_year} của loại hồ sơ này.")
    return period


def school_year_of_period(period: str) -> str:
    """The school year a period key belongs to."""
    if _YEAR.match(period):
        return period
    if "." in period:
        year = period.split(".", 1)[0]
        parse_school_year(year)
        return year
    match = re.match(r"^(\d{4})-(\d{2})$", period)
    if not match:
        raise PeriodError(f"Kỳ không hợp lệ: “{period}”.")
    year, month = int(match.group(1)), int(match.group(2))
    return f"{year}-{year + 1}" if month >= 9 else f"{year - 1}-{year}"


def period_label(period: str) -> str:
    """Vietnamese label of a period key."""
    if _YEAR.match(period):
        return f"Năm học {period}"
    if period.endswith((".hk1", ".hk2")):
        return f"Học kỳ {'I' if period.endswith('1') else 'II'} năm học {period.split('.')[0]}"
    if ".t" in period:
        year, week = period.split(".t")
        return f"Tuần {int(week)} năm học {year}"
    year, month = period.split("-")
    return f"Tháng {int(month)}/{year}"


def opening_monday(school_year: str) -> date:
    """Monday of the first teaching week: the week of the opening day, 5 September
    (ngày toàn dân đưa trẻ đến trường). The school's own calendar lives in approvals."""
    start, _ = parse_school_year(school_year)
    opening = date(start, 9, 5)
    return opening - timedelta(days=opening.weekday())


def weeks_of_month(school_year: str, month: str) -> list[str]:
    """Week periods of ``school_year`` whose Monday falls in ``month`` (``YYYY-MM``)."""
    if month not in periods_for(school_year, Cadence.MONTH):
        raise PeriodError(f"Tháng “{month}” không thuộc năm học {school_year}.")
    first = opening_monday(school_year)
    result = []
    for week in range(1, WEEKS_PER_YEAR + 1):
        monday = first + timedelta(weeks=week - 1)
        if f"{monday.year}-{monday.month:02d}" == month:
            result.append(f"{school_year}.t{week:02d}")
    return result
