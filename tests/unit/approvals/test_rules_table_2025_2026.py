"""Every deadline rule of DOMAIN.md on the real calendar of school year 2025–2026, row by row with its seed.

The calendar (conftest): opening Friday 05/9/2025, tuần 1 from Monday 08/9, Tết Bính Ngọ break
14–22/02/2026 (tuần 24 has no school day; the week after Tết is tuần 25), 01/01/2026 and
26/4–01/5/2026 off, closing Friday 29/5/2026; Đại hội Liên đội 10/10/2025, lễ tổng kết 25/5/2026.
Seeds: 000 (quy chế tiểu học 2025), 001 (Phòng GD&ĐT, Điều 12), 002 (quy chế tiểu học 2024),
003/004 (mầm non). “Trước ngày X” is due by the end of the day before X; a due day in a holiday
moves to the last school day before it.
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pytest

from services.approvals.domain.calendar import TIMEZONE, Holiday, SchoolCalendar, SchoolYearFrame, start_of_day
from services.approvals.domain.deadlines import (
    check_sense, check_within_floor, check_within_year, parse_rule, undated_notice,
)
from services.approvals.domain.default_rules import RULES
from services.approvals.domain.errors import InvalidRule

TH = ("tieu_hoc",)
MN = ("mam_non",)
Y = "2025-2026"


def wk(n: int) -> str:
    return f"{Y}.t{n:02d}"


# (book, item, which rule, levels, period key, due day, seed) — due is always 23:59:59 Asia/Ho_Chi_Minh.
TABLE = [
    ("so_dang_bo", "dau_nam", "floor", TH, Y, date(2025, 9, 30), "000 §đ: đầu năm học (trường quy định: trước 01/10)"),
    ("so_dang_bo", "giua_nam", "floor", TH, Y, date(2026, 1, 10), "000: giữa năm học = kết thúc học kỳ I"),
    ("so_dang_bo", "cuoi_nam", "floor", TH, Y, date(2026, 5, 29), "000: cuối năm học = ngày kết thúc năm học"),
    ("hoc_ba", "cuoi_hk1", "floor", TH, Y, date(2026, 1, 17), "000: đánh giá cuối học kỳ I (7 ngày sau)"),
    ("hoc_ba", "cuoi_nam", "floor", TH, Y, date(2026, 5, 30), "001 Điều 12: ký duyệt trước ngày 31/5"),
    ("hoc_ba", "cuoi_nam", "signing", TH, Y, date(2026, 5, 30), "001 Điều 12: ký duyệt trước ngày 31/5, mọi thứ tự ký"),
    ("hoc_ba", "cuoi_hk1", "signing", TH, Y, date(2026, 5, 30), "001 Điều 12: học bạ ký trước ngày 31/5 hằng năm"),
    ("bang_tong_hop", "giua_hk1", "floor", TH, Y, date(2025, 11, 7), "000: sau giữa học kỳ I (7 ngày)"),
    ("bang_tong_hop", "cuoi_hk1", "floor", TH, Y, date(2026, 1, 17), "000: sau cuối học kỳ I (7 ngày)"),
    ("bang_tong_hop", "giua_hk2", "floor", TH, Y, date(2026, 3, 28), "000: sau giữa học kỳ II (7 ngày)"),
    ("bang_tong_hop", "cuoi_nam", "floor", TH, Y, date(2026, 5, 30), "001 Điều 12: trước ngày 31/5"),
    ("bang_tong_hop", "cuoi_nam", "signing", TH, Y, date(2026, 5, 30), "001 Điều 12: ký duyệt trước ngày 31/5"),
    ("bang_tong_hop", "giua_hk1", "signing", TH, Y, date(2026, 5, 30), "001 Điều 12: ký duyệt trước ngày 31/5"),
    ("ke_hoach_chien_luoc", "ra_soat", "floor", TH, Y, date(2025, 10, 31), "000 §a: rà soát đầu năm học (tháng 9–10)"),
    ("ke_hoach_giao_duc_truong", "ke_hoach_nam", "floor", TH, Y, date(2025, 9, 4), "001 Điều 12: nộp và duyệt trước ngày 05/9"),
    ("ke_hoach_giao_duc_truong", "ke_hoach_nam", "school", TH, Y, date(2025, 8, 30), "000: báo cáo trước 31/8/2025"),
    ("ke_hoach_giao_duc_truong", "ke_hoach_nam", "approval", TH, Y, date(2025, 9, 4),
     "001 Điều 12: kế hoạch giáo dục của nhà trường được nộp và duyệt trước ngày 05/9"),
    ("ke_hoach_giao_duc_truong", "ke_hoach_nam", "floor", MN, Y, date(2025, 9, 30),
     "001 is tiểu học's; 003/004 name no date: within September, before the tổ plan (004 Điều 7.2)"),
    ("so_quan_ly_can_bo", "dau_nam", "floor", TH, Y, date(2025, 9, 30), "000 §đ: đầu năm học"),
    ("so_quan_ly_can_bo", "giua_nam", "floor", TH, Y, date(2026, 1, 10), "000 §đ: giữa năm"),
    ("so_quan_ly_can_bo", "cuoi_nam", "floor", TH, Y, date(2026, 5, 29), "000 §đ: cuối năm học"),
    ("ho_so_tai_chinh", "hang_thang", "floor", TH, "2025-09", date(2025, 9, 30), "000 §f: cập nhật hằng tháng"),
    ("ho_so_tai_chinh", "hang_thang", "floor", TH, "2026-02", date(2026, 2, 28), "000 §f: hằng tháng (28/02 is no holiday)"),
    ("ho_so_tai_chinh", "hang_thang", "floor", TH, "2026-04", date(2026, 4, 24), "000 §f; 30/4 is a holiday: Fri 24/4"),
    ("ho_so_tai_chinh", "hang_quy", "floor", TH, "2025-09", date(2025, 9, 30), "000/002 §f: cập nhật hàng quý (quý III)"),
    ("ho_so_tai_chinh", "hang_quy", "floor", TH, "2025-12", date(2025, 12, 31), "000/002 §f: hàng quý (quý IV)"),
    ("ho_so_tai_chinh", "hang_quy", "floor", TH, "2026-03", date(2026, 3, 31), "000/002 §f: hàng quý (quý I)"),
    ("ho_so_tai_chinh", "cuoi_nam_tai_chinh", "floor", TH, Y, date(2025, 12, 31),
     "000/002 §f: cuối năm tài chính (31/12)"),
    ("ho_so_khuyet_tat", "ke_hoach_nam", "floor", TH, "2025-09", date(2025, 9, 21), "000 §h: tuần thứ 3 của tháng 9"),
    ("ho_so_khuyet_tat", "ke_hoach_nam", "school", TH, "2025-09", date(2025, 9, 14), "002: tuần thứ hai của tháng 9"),
    ("ho_so_khuyet_tat", "ke_hoach_hk2", "floor", TH, Y, date(2026, 1, 18), "000 §h: trong tuần 19 (12–18/01/2026)"),
    ("ke_hoach_to", "bao_cao", "floor", TH, Y, date(2025, 9, 4), "001 Điều 12: trước ngày 05/9"),
    ("ke_hoach_to", "bao_cao", "school", TH, Y, date(2025, 9, 2), "000, 002: báo cáo trước ngày 03/9"),
    ("ke_hoach_to", "bao_cao", "approval", TH, Y, date(2025, 9, 4), "001 Điều 12: duyệt trước ngày 05/9"),
    ("ke_hoach_to", "hoan_thien", "floor", TH, Y, date(2025, 9, 19), "000, 002: hoàn thiện trước 20/9"),
    ("ke_hoach_to", "hoan_thien", "floor", MN, Y, date(2025, 9, 30), "004 Điều 7.2: kế hoạch tổ được BGH phê duyệt (tháng 9)"),
    ("ke_hoach_to", "hoan_thien", "approval", MN, Y, date(2025, 9, 30), "004 Điều 7.2: BGH phê duyệt trong tháng 9"),
    ("so_hoat_dong_to", "ke_hoach_thang", "floor", TH, "2025-12", date(2025, 12, 7), "000: kế hoạch nộp tuần đầu của tháng"),
    ("so_hoat_dong_to", "bien_ban_giua_thang", "floor", TH, "2025-12", date(2025, 12, 14), "000: cuối tuần thứ hai"),
    ("so_hoat_dong_to", "bien_ban_cuoi_thang", "floor", TH, "2026-02", date(2026, 2, 28), "000: ngày cuối của tháng"),
    ("ke_hoach_day_hoc_gv", "ke_hoach_nam", "floor", TH, Y, date(2025, 9, 19), "000, 002: trước ngày 20/9"),
    # weekly, “chậm nhất vào thứ sáu của tuần trước (liền kề)” (000, 002)
    ("ke_hoach_bai_day", "hang_tuan", "floor", TH, wk(1), date(2025, 9, 5), "000: thứ sáu tuần trước tuần 1 (08/9)"),
    ("ke_hoach_bai_day", "hang_tuan", "floor", TH, wk(19), date(2026, 1, 9), "000: tuần 19 from Mon 12/01/2026"),
    ("ke_hoach_bai_day", "hang_tuan", "floor", TH, wk(23), date(2026, 2, 6), "000: last week before Tết"),
    ("ke_hoach_bai_day", "hang_tuan", "floor", TH, wk(25), date(2026, 2, 13),
     "000: week after Tết; its Friday before is 20/02 = mùng 4 Tết, moved to Fri 13/02"),
    ("ke_hoach_bai_day", "hang_tuan", "floor", TH, wk(35), date(2026, 4, 24), "000: Fri 01/5 is a holiday: Fri 24/4"),
    ("ke_hoach_bai_day", "hang_tuan", "floor", TH, wk(38), date(2026, 5, 22), "000: the last teaching week"),
    # “được kiểm tra và duyệt trước ít nhất 03 ngày trước khi thực hiện” (001 Điều 12)
    ("ke_hoach_bai_day", "hang_tuan", "approval", TH, wk(1), date(2025, 9, 5), "001: 3 days before Mon 08/9"),
    ("ke_hoach_bai_day", "hang_tuan", "approval", TH, wk(17), date(2025, 12, 26), "001: 3 days before Mon 29/12"),
    ("ke_hoach_bai_day", "hang_tuan", "approval", TH, wk(25), date(2026, 2, 13), "001: 20/02 in Tết → Fri 13/02"),
    # mầm non: uploaded on Saturday or Sunday, approved then too, before the week is used (004 Điều 5.1, 7.1)
    ("ke_hoach_bai_day", "hang_tuan", "floor", MN, wk(1), date(2025, 9, 7), "004 Điều 7.1: thứ 7 hoặc chủ nhật"),
    ("ke_hoach_bai_day", "hang_tuan", "approval", MN, wk(1), date(2025, 9, 7), "004 Điều 5.1: ký duyệt thứ bảy, chủ nhật"),
    ("ke_hoach_bai_day", "hang_tuan", "floor", MN, wk(25), date(2026, 2, 13), "004: weekend 21–22/02 in Tết → Fri 13/02"),
    ("ke_hoach_bai_day", "hang_tuan", "approval", MN, wk(25), date(2026, 2, 13), "004: approval moves with it"),
    # mầm non's education plan for the year: “trình tổ trưởng và lãnh đạo ký duyệt” (003 §II.3.b), in September
    ("ke_hoach_giao_duc", "ke_hoach_nam", "floor", MN, Y, date(2025, 9, 30), "003 §II.3.b, 004 Điều 7.2: trong tháng 9"),
    ("ke_hoach_giao_duc", "ke_hoach_nam", "approval", MN, Y, date(2025, 9, 30),
     "003 §II.3.b: được ký duyệt trước khi triển khai thực hiện"),
    # the theme/month plan: “cập nhật kế hoạch giáo dục chủ đề … trong ngày thứ 7 hoặc chủ nhật … được ký duyệt
    # trước khi đưa vào thực hiện” (004 Điều 7.1, 5.1): the weekend before the week of the month's first school day
    ("ke_hoach_giao_duc", "chu_de_thang", "floor", MN, "2025-09", date(2025, 9, 7),
     "004 Điều 7.1: weekend 06–07/9 before tuần 1 (08/9)"),
    ("ke_hoach_giao_duc", "chu_de_thang", "floor", MN, "2025-12", date(2025, 11, 30),
     "004 Điều 7.1: December starts on Monday 01/12, so the weekend 29–30/11"),
    ("ke_hoach_giao_duc", "chu_de_thang", "floor", MN, "2026-03", date(2026, 3, 1),
     "004 Điều 7.1: Sunday 01/3 is the weekend before Monday 02/3"),
    ("ke_hoach_giao_duc", "chu_de_thang", "approval", MN, "2026-01", date(2025, 12, 28),
     "004 Điều 5.1: 01/01 off, first school day Fri 02/01 in the week of 29/12"),
    ("ke_hoach_giao_duc", "chu_de_thang", "approval", MN, "2026-05", date(2026, 5, 3),
     "004 Điều 5.1: 26/4–01/5 off, first school day Mon 04/5"),
    ("ke_hoach_giao_duc", "hang_tuan", "floor", MN, wk(1), date(2025, 9, 7), "004 Điều 7.1: thứ 7 hoặc chủ nhật"),
    ("ke_hoach_giao_duc", "hang_tuan", "approval", MN, wk(1), date(2025, 9, 7), "004 Điều 5.1: duyệt thứ bảy, chủ nhật"),
    ("ke_hoach_giao_duc", "hang_tuan", "approval", MN, wk(25), date(2026, 2, 13), "004: 22/02 in Tết → Fri 13/02"),
    ("so_shcm", "hang_thang", "floor", TH, "2025-11", date(2025, 11, 30), "000: chậm nhất ngày cuối cùng của tháng"),
    ("so_shcm", "hang_thang", "floor", TH, "2026-04", date(2026, 4, 24), "000: 30/4 is a holiday: Fri 24/4"),
    # “thứ hai tuần đầu tiên của tháng (tháng đầu tiên được tải lên hệ thống từ 20/9)” (000, 002)
    ("so_chu_nhiem", "hang_thang", "floor", TH, "2025-10", date(2025, 10, 6), "000: first Monday, from 20/9"),
    ("so_chu_nhiem", "hang_thang", "floor", TH, "2025-12", date(2025, 12, 1), "000: December 2025 starts on Monday"),
    ("so_chu_nhiem", "hang_thang", "floor", TH, "2026-02", date(2026, 2, 2), "000: first Monday of February"),
    ("so_cong_tac_doi", "chuong_trinh_nam", "floor", TH, Y, date(2025, 10, 12), "000 §d: 2 ngày sau Đại hội Liên đội"),
    ("so_cong_tac_doi", "ke_hoach_thang", "floor", TH, "2025-09", date(2025, 9, 5),
     "000 §d: ngày đầu tiên của tháng; September's is not due before the opening (05/9)"),
    ("so_cong_tac_doi", "ke_hoach_thang", "floor", TH, "2025-12", date(2025, 12, 1), "000 §d: ngày đầu tiên của tháng"),
    ("so_cong_tac_doi", "ke_hoach_thang", "floor", TH, "2026-01", date(2025, 12, 31), "000 §d: 01/01 is a holiday"),
    ("so_cong_tac_doi", "ban_giao", "floor", TH, Y, date(2026, 5, 25), "000 §d: chậm nhất vào ngày tổng kết năm học"),
]


def _rule(book: str, item: str, which: str, levels: tuple[str, ...]):
    rules = RULES[(book, item)]
    return {"floor": rules.floor_for(levels), "school": rules.default_for(levels),
            "approval": rules.approval_for(levels), "signing": rules.signing_floor}[which]


def _end(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=TIMEZONE)


@pytest.mark.parametrize("book,item,which,levels,key,due,seed", TABLE,
                         ids=[f"{r[0]}.{r[1]}.{r[2]}.{r[3][0]}.{r[4]}" for r in TABLE])
def test_rule_due_time_on_2025_2026_calendar(book, item, which, levels, key, due, seed, cal_2025_2026):
    periods = {p.key: p for p in _rule(book, item, which, levels).periods(cal_2025_2026)}
    assert periods[key].due_at == _end(due), seed


def test_table_covers_every_scheduled_item_and_every_rule_kind():
    covered = {(r[0], r[1]) for r in TABLE}
    scheduled = {key for key, rules in RULES.items() if rules.floor.cadence != "none"}
    assert scheduled == covered
    for key, rules in RULES.items():
        if rules.signing_floor is not None and key[1] == "cuoi_nam":
            assert (key[0], key[1], "signing") in {r[:3] for r in TABLE}
    kinds = {_rule(*r[:4]).kind for r in TABLE}
    assert kinds == {"fixed_date", "weekly_before_teaching", "days_before_teaching", "weekday_window",
                     "monthly_last_day", "monthly_first_weekday", "monthly_day", "monthly_end_of_week",
                     "monthly_weekday_window", "school_week", "after_event"}


def test_the_school_means_tuan_1_from_the_monday_after_the_friday_opening(cal_2025_2026):
    assert calendar.weekday(2025, 9, 5) == calendar.FRIDAY
    assert cal_2025_2026.week(1).monday == date(2025, 9, 8)
    assert cal_2025_2026.week(19).monday == date(2026, 1, 12)  # tuần 19: 12–18/01/2026
    assert cal_2025_2026.week_number(date(2026, 2, 17)) == 24  # mùng 1 Tết Bính Ngọ
    assert cal_2025_2026.week(25).monday == date(2026, 2, 23)  # the week after Tết
    assert cal_2025_2026.last_teaching_week() == 38


def test_tet_and_the_may_holiday_owe_no_weekly_plan_and_numbers_are_not_skipped(cal_2025_2026):
    keys = [p.key for p in _rule("ke_hoach_bai_day", "hang_tuan", "floor", TH).periods(cal_2025_2026)]
    assert wk(24) not in keys and wk(23) in keys and wk(25) in keys
    assert wk(34) not in keys  # 27/04–01/05/2026: Giỗ Tổ (compensated), 30/4 and 1/5
    assert keys[0] == wk(1) and keys[-1] == wk(38) and len(keys) == 36


@pytest.mark.parametrize("book", ["ke_hoach_giao_duc", "ke_hoach_bai_day"])
def test_mam_non_approval_is_never_due_before_its_upload_window_opens(book, cal_2025_2026):
    uploads = {p.key: p for p in _rule(book, "hang_tuan", "floor", MN).periods(cal_2025_2026)}
    approvals = {p.key: p for p in _rule(book, "hang_tuan", "approval", MN).periods(cal_2025_2026)}
    assert uploads.keys() == approvals.keys()
    for key, upload in uploads.items():
        assert upload.opens_at is not None and approvals[key].due_at > upload.opens_at, key
        assert approvals[key].due_at < start_of_day(upload.taught_on), key  # approved before the week is used
    assert uploads[wk(1)].opens_at == start_of_day(date(2025, 9, 6))  # Saturday
    assert uploads[wk(25)].opens_at == start_of_day(date(2026, 2, 12))  # the window moved with its due day


def test_mam_non_month_plan_is_uploaded_and_approved_before_the_month_is_first_taught(cal_2025_2026):
    uploads = {p.key: p for p in _rule("ke_hoach_giao_duc", "chu_de_thang", "floor", MN).periods(cal_2025_2026)}
    approvals = {p.key: p for p in _rule("ke_hoach_giao_duc", "chu_de_thang", "approval", MN).periods(cal_2025_2026)}
    assert list(uploads) == [f"{y}-{m:02d}" for y, m in cal_2025_2026.months()]  # every month of the year, 09 to 05
    for key, upload in uploads.items():
        assert upload.opens_at is not None and upload.opens_at.weekday() == 5, key  # opens on the Saturday
        assert approvals[key].due_at < start_of_day(upload.taught_on), key
        assert upload.taught_on.strftime("%Y-%m") == key
    assert uploads["2026-01"].taught_on == date(2026, 1, 2)


def test_the_district_rules_of_001_bind_tieu_hoc_not_mam_non():
    plan = RULES[("ke_hoach_giao_duc_truong", "ke_hoach_nam")]
    assert plan.approval_for(TH) == parse_rule({"kind": "fixed_date", "month": 9, "day": 5})
    assert plan.approval_for(MN) is None and plan.floor_for(MN) != plan.floor_for(TH)


def test_a_principal_may_keep_due_days_inside_a_holiday(frame_2025_2026):
    kept = SchoolCalendar(frame_2025_2026, shift_holidays=False)
    periods = {p.key: p for p in _rule("ke_hoach_bai_day", "hang_tuan", "floor", TH).periods(kept)}
    assert periods[wk(25)].due_at == _end(date(2026, 2, 20))


def test_on_demand_books_have_no_schedule(cal_2025_2026):
    for key, rules in RULES.items():
        if rules.floor.kind == "on_demand":
            assert rules.floor.periods(cal_2025_2026) == []


def test_a_rule_needing_an_undated_event_says_so(frame_2025_2026):
    bare = SchoolCalendar(frame_2025_2026)
    rule = _rule("so_cong_tac_doi", "chuong_trinh_nam", "floor", TH)
    assert rule.periods(bare) == []
    assert undated_notice(rule, bare) == (
        "Trường chưa nhập ngày “Đại hội Liên đội” của năm học 2025-2026 nên chưa tính được hạn của mục này; "
        "hãy nhập ngày trong lịch của trường.")
    assert rule.describe() == "2 ngày sau sự kiện “Đại hội Liên đội”"
    assert undated_notice(_rule("so_cong_tac_doi", "ban_giao", "floor", TH), bare) is not None
    assert undated_notice(_rule("hoc_ba", "cuoi_hk1", "floor", TH), bare) is None  # a frame point is always dated


def test_school_defaults_are_within_the_district_floor_and_the_year(cal_2025_2026):
    for (book, item), rules in RULES.items():
        for levels in (TH, MN):
            field = f"{book}.{item}"
            check_within_floor(rules.default_for(levels), rules.floor_for(levels), cal_2025_2026, field=field)
            check_within_year(rules.default_for(levels), rules.floor_for(levels), cal_2025_2026, field=field)
            check_sense(rules.floor_for(levels), cal_2025_2026, field=field)


@pytest.mark.parametrize("data,words", [
    ({"kind": "school_week", "week": 45}, "chỉ có 38 tuần dạy học"),
    ({"kind": "weekly_before_teaching", "weekday": 4, "weeks_before": 0}, "phải có hạn trước khi tuần dạy bắt đầu"),
    ({"kind": "days_before_teaching", "days": 0}, "phải có hạn trước khi tuần dạy bắt đầu"),
    ({"kind": "fixed_date", "month": 8, "day": 1}, "nằm ngoài năm học 2025-2026"),
])
def test_a_district_floor_without_sense_is_refused(data, words, cal_2025_2026):
    with pytest.raises(InvalidRule) as exc:
        check_sense(parse_rule(data), cal_2025_2026, field="x.y")
    assert exc.value.field == "x.y" and words in exc.value.message


def test_a_school_rule_never_moves_a_due_date_after_the_year_closes(cal_2025_2026):
    on_demand = RULES[("so_van_ban", "khi_phat_sinh")].floor
    with pytest.raises(InvalidRule, match="sau khi năm học 2025-2026 kết thúc"):
        check_within_year(parse_rule({"kind": "after_event", "event": "ket_thuc_nam_hoc", "days": 10}), on_demand,
                          cal_2025_2026, field="so_van_ban.khi_phat_sinh")
    # the district's own 30/5 (after a 29/5 closing) bounds a school rule equal to it
    floor = RULES[("hoc_ba", "cuoi_nam")].floor
    check_within_year(parse_rule({"kind": "fixed_date", "month": 5, "day": 31}), floor, cal_2025_2026,
                      field="hoc_ba.cuoi_nam")


BASE = dict(year=Y, opening_day=date(2025, 9, 5), semester_1_end=date(2026, 1, 10), closing_day=date(2026, 5, 29),
            first_teaching_week=date(2025, 9, 8))


@pytest.mark.parametrize("change,field", [
    ({"closing_day": date(2027, 5, 29)}, "closing_day"),  # two years later
    ({"closing_day": date(2026, 8, 15)}, "closing_day"),
    ({"opening_day": date(2026, 9, 5)}, "opening_day"),
    ({"semester_1_end": date(2026, 6, 1)}, "semester_1_end"),
    ({"holidays": (Holiday("Nghỉ hè", date(2026, 7, 1), date(2026, 7, 2)),)}, "holidays[0]"),
    ({"holidays": (Holiday("Tết", date(2026, 2, 22), date(2026, 2, 14)),)}, "holidays[0]"),
    ({"first_teaching_week": date(2025, 8, 25)}, "first_teaching_week"),  # before the opening week
    ({"first_teaching_week": date(2025, 9, 29)}, "first_teaching_week"),  # far after the opening
    ({"first_teaching_week": date(2025, 9, 9)}, "first_teaching_week"),  # not a Monday
    ({"points": {"giua_hk2": date(2026, 6, 20)}}, "points.giua_hk2"),
])
def test_frames_with_impossible_dates_are_refused_naming_the_field(change, field):
    with pytest.raises(InvalidRule) as exc:
        SchoolYearFrame(**{**BASE, **change})
    assert exc.value.field == field
    assert exc.value.message and exc.value.message[0].isupper()


def test_without_a_dated_tuan_1_a_friday_opening_starts_tuan_1_the_next_monday():
    frame = SchoolYearFrame(**{**BASE, "first_teaching_week": None})
    assert frame.teaching_week_1 == date(2025, 9, 8)
    tuesday = SchoolYearFrame(**{**BASE, "opening_day": date(2025, 9, 2), "first_teaching_week": None})
    assert tuesday.teaching_week_1 == date(2025, 9, 1)
    assert tuesday.teaching_week_1 + timedelta(days=1) == tuesday.opening_day


@pytest.mark.parametrize("school,accepted", [
    ({"kind": "weekly_before_teaching", "weekday": 3}, True),            # Thursday before: stricter
    ({"kind": "days_before_teaching", "days": 7}, True),                 # a week before the day taught
    ({"kind": "days_before_teaching", "days": 2}, False),                # Saturday before: looser than Friday
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
        "23:59:59 05/09/2025, muộn hơn hạn của Phòng 23:59:59 04/09/2025. Hạn của trường chỉ được bằng hoặc sớm hơn.")


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
    ({"kind": "monthly_weekday_window", "start_weekday": 6, "end_weekday": 5}, "rule"),
])
def test_malformed_rules_are_refused_in_vietnamese_naming_the_field(data, field):
    with pytest.raises(InvalidRule) as exc:
        parse_rule(data)
    assert exc.value.field == field
    assert exc.value.message.startswith("Quy tắc hạn nộp không hợp lệ")
