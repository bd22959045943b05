"""Every deadline rule of DOMAIN.md evaluated on the real calendar of school year 2025–2026."""
from __future__ import annotations

import calendar
from datetime import date, datetime

import pytest

from approvals_catalog import seeded_books
from services.approvals.domain.calendar import TIMEZONE, SchoolCalendar
from services.approvals.domain.deadlines import check_within_floor, parse_rule
from services.approvals.domain.errors import InvalidRule


BOOKS = seeded_books("tieu_hoc")  # documents' catalog, read as approvals reads it
TH = ("tieu_hoc",)
MN = ("mam_non",)

# (book, item, which rule, levels, period key, due day) — due is always 23:59:59 Asia/Ho_Chi_Minh.
TABLE = [
    ("so_dang_bo", "dau_nam", "floor", TH, "2025-2026", date(2025, 9, 30)),
    ("so_dang_bo", "giua_nam", "floor", TH, "2025-2026", date(2026, 1, 10)),
    ("so_dang_bo", "cuoi_nam", "floor", TH, "2025-2026", date(2026, 5, 31)),
    ("hoc_ba", "cuoi_hk1", "floor", TH, "2025-2026", date(2026, 1, 17)),
    ("hoc_ba", "cuoi_nam", "floor", TH, "2025-2026", date(2026, 5, 31)),
    ("bang_tong_hop", "giua_hk1", "floor", TH, "2025-2026", date(2025, 11, 7)),
    ("bang_tong_hop", "cuoi_hk1", "floor", TH, "2025-2026", date(2026, 1, 17)),
    ("bang_tong_hop", "giua_hk2", "floor", TH, "2025-2026", date(2026, 3, 28)),
    ("bang_tong_hop", "cuoi_nam", "floor", TH, "2025-2026", date(2026, 5, 31)),
    ("ke_hoach_chien_luoc", "ra_soat", "floor", TH, "2025-2026", date(2025, 10, 31)),
    ("ke_hoach_giao_duc_truong", "ke_hoach_nam", "floor", TH, "2025-2026", date(2025, 9, 5)),
    ("ke_hoach_giao_duc_truong", "ke_hoach_nam", "school", TH, "2025-2026", date(2025, 8, 31)),
    ("so_quan_ly_can_bo", "dau_nam", "floor", TH, "2025-2026", date(2025, 9, 30)),
    ("so_quan_ly_can_bo", "giua_nam", "floor", TH, "2025-2026", date(2026, 1, 10)),
    ("so_quan_ly_can_bo", "cuoi_nam", "floor", TH, "2025-2026", date(2026, 5, 31)),
    ("ho_so_tai_chinh", "hang_thang", "floor", TH, "2025-09", date(2025, 9, 30)),
    ("ho_so_tai_chinh", "hang_thang", "floor", TH, "2026-02", date(2026, 2, 28)),
    ("ho_so_khuyet_tat", "ke_hoach_nam", "floor", TH, "2025-09", date(2025, 9, 21)),
    ("ho_so_khuyet_tat", "ke_hoach_nam", "school", TH, "2025-09", date(2025, 9, 14)),
    ("ho_so_khuyet_tat", "ke_hoach_hk2", "floor", TH, "2025-2026", date(2026, 1, 11)),
    ("ke_hoach_to", "bao_cao", "floor", TH, "2025-2026", date(2025, 9, 5)),
    ("ke_hoach_to", "bao_cao", "school", TH, "2025-2026", date(2025, 9, 3)),
    ("ke_hoach_to", "hoan_thien", "floor", TH, "2025-2026", date(2025, 9, 20)),
    ("so_hoat_dong_to", "ke_hoach_thang", "floor", TH, "2025-12", date(2025, 12, 7)),
    ("so_hoat_dong_to", "bien_ban_giua_thang", "floor", TH, "2025-12", date(2025, 12, 14)),
    ("so_hoat_dong_to", "bien_ban_cuoi_thang", "floor", TH, "2026-02", date(2026, 2, 28)),
    ("ke_hoach_day_hoc_gv", "ke_hoach_nam", "floor", TH, "2025-2026", date(2025, 9, 20)),
    # weekly, by Friday of the week before: week 1 holds only the opening day (Fri 05/09).
    ("ke_hoach_bai_day", "hang_tuan", "floor", TH, "2025-2026.t01", date(2025, 8, 29)),
    ("ke_hoach_bai_day", "hang_tuan", "floor", TH, "2025-2026.t02", date(2025, 9, 5)),
    ("ke_hoach_bai_day", "hang_tuan", "floor", TH, "2025-2026.t24", date(2026, 2, 6)),
    # week 25 is the Tết break (no lesson plan owed); week 26 keeps its number.
    ("ke_hoach_bai_day", "hang_tuan", "floor", TH, "2025-2026.t26", date(2026, 2, 20)),
    # approval at least 3 days before the first school day of the week.
    ("ke_hoach_bai_day", "hang_tuan", "approval", TH, "2025-2026.t01", date(2025, 9, 2)),
    ("ke_hoach_bai_day", "hang_tuan", "approval", TH, "2025-2026.t26", date(2026, 2, 20)),
    # 1/1/2026 is a Thursday holiday: week 18 still starts on Monday 29/12/2025.
    ("ke_hoach_bai_day", "hang_tuan", "approval", TH, "2025-2026.t18", date(2025, 12, 26)),
    # mầm non: uploaded on Saturday or Sunday before the week.
    ("ke_hoach_bai_day", "hang_tuan", "floor", MN, "2025-2026.t02", date(2025, 9, 7)),
    ("ke_hoach_bai_day", "hang_tuan", "floor", MN, "2025-2026.t26", date(2026, 2, 22)),
    ("so_shcm", "hang_thang", "floor", TH, "2025-11", date(2025, 11, 30)),
    # first Monday; first upload from 20/9 (Monday 01/09 is skipped); December 2025 begins on a Monday.
    ("so_chu_nhiem", "hang_thang", "floor", TH, "2025-10", date(2025, 10, 6)),
    ("so_chu_nhiem", "hang_thang", "floor", TH, "2025-12", date(2025, 12, 1)),
    ("so_chu_nhiem", "hang_thang", "floor", TH, "2026-02", date(2026, 2, 2)),
    ("so_cong_tac_doi", "chuong_trinh_nam", "floor", TH, "2025-2026", date(2025, 10, 12)),
    ("so_cong_tac_doi", "ke_hoach_thang", "floor", TH, "2025-12", date(2025, 12, 1)),
    ("so_cong_tac_doi", "ban_giao", "floor", TH, "2025-2026", date(2026, 5, 25)),
]


def _rule(book: str, item: str, which: str, levels: tuple[str, ...]):
    b = BOOKS[book]
    i = b.item(item)
    assert i is not None
    return {"floor": i.floor_for(levels), "school": i.default_for(levels),
            "approval": i.approval_floor}[which]


@pytest.mark.parametrize("book,item,which,levels,key,due", TABLE, ids=[f"{r[0]}.{r[1]}.{r[2]}.{r[4]}" for r in TABLE])
def test_rule_due_time_on_2025_2026_calendar(book, item, which, levels, key, due, cal_2025_2026):
    periods = {p.key: p for p in _rule(book, item, which, levels).periods(cal_2025_2026)}
    assert periods[key].due_at == datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=TIMEZONE)


def test_table_covers_every_scheduled_rule_of_the_catalog():
    covered = {(r[0], r[1]) for r in TABLE}
    scheduled = {(b.slug, i.slug) for b in BOOKS.values() for i in b.items if i.floor_for(()).cadence != "none"}
    assert scheduled == covered
    kinds = {_rule(*r[:4]).kind for r in TABLE}
    assert kinds == {"fixed_date", "weekly_before_teaching", "days_before_teaching", "weekday_window",
                     "monthly_last_day", "monthly_first_weekday", "monthly_day", "monthly_end_of_week",
                     "school_week", "after_event"}


def test_real_calendar_facts_behind_the_table(cal_2025_2026):
    assert calendar.weekday(2025, 9, 5) == calendar.FRIDAY  # opening day
    assert calendar.monthrange(2025, 12)[0] == calendar.MONDAY  # December 2025 starts on a Monday
    assert calendar.weekday(2026, 2, 17) == calendar.TUESDAY  # mùng 1 Tết Bính Ngọ, inside the break
    assert cal_2025_2026.week_number(date(2026, 1, 5)) == 19
    assert cal_2025_2026.week_number(date(2026, 2, 17)) == 25


def test_tet_week_owes_no_weekly_plan_and_numbers_are_not_skipped(cal_2025_2026):
    keys = [p.key for p in _rule("ke_hoach_bai_day", "hang_tuan", "floor", TH).periods(cal_2025_2026)]
    assert "2025-2026.t25" not in keys
    assert "2025-2026.t24" in keys and "2025-2026.t26" in keys
    assert "2025-2026.t35" not in keys  # 27/04–01/05/2026: Giỗ Tổ, 30/4 and 1/5
    assert len(keys) == cal_2025_2026.week_number(date(2026, 5, 31)) - 2


def test_on_demand_books_have_no_schedule(cal_2025_2026):
    for book in ("so_van_ban", "ho_so_pho_cap"):
        for item in BOOKS[book].items:
            assert item.floor_for(TH).periods(cal_2025_2026) == []


def test_event_rule_owes_nothing_until_the_school_sets_the_event(frame_2025_2026):
    bare = SchoolCalendar(frame_2025_2026)
    assert _rule("so_cong_tac_doi", "chuong_trinh_nam", "floor", TH).periods(bare) == []


def test_school_defaults_are_within_the_district_floor(cal_2025_2026):
    for book in BOOKS.values():
        for item in book.items:
            for levels in (TH, MN):
                check_within_floor(item.default_for(levels), item.floor_for(levels),
                                   cal_2025_2026, field=f"{book.slug}.{item.slug}")


@pytest.mark.parametrize("school,accepted", [
    ({"kind": "weekly_before_teaching", "weekday": 3}, True),            # Thursday before: stricter
    ({"kind": "days_before_teaching", "days": 7}, True),                 # a week before the day taught
    ({"kind": "days_before_teaching", "days": 3}, False),                # week 1 starts Fri 05/09: Tue 02/09
    ({"kind": "weekly_before_teaching", "weekday": 5}, False),           # Saturday before: looser
    ({"kind": "weekday_window", "start_weekday": 5, "end_weekday": 6}, False),
    ({"kind": "monthly_last_day"}, False),                                # another cadence
])
def test_lesson_plan_rule_against_the_friday_floor(school, accepted, cal_2025_2026):
    floor = _rule("ke_hoach_bai_day", "hang_tuan", "floor", TH)
    rule = parse_rule(school)
    if accepted:
        check_within_floor(rule, floor, cal_2025_2026, field="ke_hoach_bai_day.hang_tuan")
    else:
        with pytest.raises(InvalidRule) as exc:
            check_within_floor(rule, floor, cal_2025_2026, field="ke_hoach_bai_day.hang_tuan")
        assert exc.value.field == "ke_hoach_bai_day.hang_tuan"
        assert "ke_hoach_bai_day.hang_tuan" in exc.value.message


def test_looser_fixed_date_names_the_period_and_both_due_times(cal_2025_2026):
    with pytest.raises(InvalidRule) as exc:
        check_within_floor(parse_rule({"kind": "fixed_date", "month": 9, "day": 6}),
                           _rule("ke_hoach_to", "bao_cao", "floor", TH), cal_2025_2026, field="ke_hoach_to.bao_cao")
    assert exc.value.message == (
        "Hạn của trường ở “ke_hoach_to.bao_cao” lỏng hơn quy định của Phòng: kỳ Năm học 2025-2026 trường đặt "
        "23:59:59 06/09/2025, muộn hơn hạn của Phòng 23:59:59 05/09/2025. Hạn của trường chỉ được bằng hoặc sớm hơn.")


def test_monthly_rule_restricted_to_fewer_months_is_refused(cal_2025_2026):
    with pytest.raises(InvalidRule, match="bỏ sót kỳ Tháng 10/2025"):
        check_within_floor(parse_rule({"kind": "monthly_first_weekday", "months": [9]}),
                           _rule("so_shcm", "hang_thang", "floor", TH), cal_2025_2026, field="so_shcm.hang_thang")


@pytest.mark.parametrize("data,field", [
    ({"kind": "fixed_date", "month": 2, "day": 30}, "rule"),
    ({"kind": "monthly_end_of_week", "week": 5}, "rule.week"),
    ({"kind": "weekly_before_teaching", "weekday": 7}, "rule.weekday"),
    ({"kind": "every_full_moon"}, "rule"),
    ({"kind": "after_event", "event": "Đại hội"}, "rule.event"),
    ({"kind": "fixed_date", "month": 9}, "rule.day"),
])
def test_malformed_rules_are_refused_in_vietnamese_naming_the_field(data, field):
    with pytest.raises(InvalidRule) as exc:
        parse_rule(data)
    assert exc.value.field == field
    assert exc.value.message.startswith("Quy tắc hạn nộp không hợp lệ")
