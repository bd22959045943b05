"""The one period key grammar: every key round-trips, labels are the same Vietnamese everywhere."""
import pytest

from services.kernel.periods import (
    PeriodError, PeriodKind, month_period, parse_period, period_label, semester_period, week_period, year_period,
)


@pytest.mark.parametrize("key,kind,label", [
    ("2025-2026", PeriodKind.YEAR, "Năm học 2025-2026"),
    ("2025-2026.hk1", PeriodKind.SEMESTER, "Học kỳ I năm học 2025-2026"),
    ("2025-2026.hk2", PeriodKind.SEMESTER, "Học kỳ II năm học 2025-2026"),
    ("2025-09", PeriodKind.MONTH, "Tháng 9/2025"),
    ("2026-05", PeriodKind.MONTH, "Tháng 5/2026"),
    ("2025-2026.t07", PeriodKind.WEEK, "Tuần 7 năm học 2025-2026"),
    ("2025-2026.t40", PeriodKind.WEEK, "Tuần 40 năm học 2025-2026"),
])
def test_keys_parse_and_round_trip(key, kind, label):
    period = parse_period(key)
    assert period.kind is kind and period.key == key and period.label == label == period_label(key)


def test_months_belong_to_the_school_year_they_fall_in():
    assert parse_period("2025-12").school_year == "2025-2026"
    assert parse_period("2026-01").school_year == "2025-2026"
    assert month_period(2026, 9).school_year == "2026-2027"


def test_builders_make_the_keys_the_parser_reads():
    assert [year_period("2025-2026").key, semester_period("2025-2026", 2).key, month_period(2026, 2).key,
            week_period("2025-2026", 19).key] == ["2025-2026", "2025-2026.hk2", "2026-02", "2025-2026.t19"]


@pytest.mark.parametrize("bad", ["", "2025-2027", "2025-2026/tuan-07", "2025-2026.t00", "2025-2026.t54",
                                 "2025-2026.hk3", "2025-13", "tuần 7", None])
def test_malformed_keys_are_refused_in_vietnamese(bad):
    with pytest.raises(PeriodError, match="không hợp lệ"):
        parse_period(bad)
    assert period_label(bad or "") == (bad or "")
