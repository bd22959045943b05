"""The school's calendar and rules through the HTTP API: tuần 1, holiday moves, floors checked for sense,
approved-by dates, undated events, and next year's rules prepared after the closing day."""
from __future__ import annotations

import hashlib
from datetime import datetime

from services.approvals.adapters.documents import CalendarFrameDoc
from services.approvals.domain.calendar import TIMEZONE

from .conftest import onboard


def _row(api, who: str, book: str, item: str) -> dict:
    return next(r for r in api.ok("GET", "/rules", who)["items"] if (r["book_type"], r["item"]) == (book, item))


def test_the_calendar_shows_tuan_1_and_kernel_week_keys(api):
    cal = api.ok("GET", "/calendar/2025-2026", "thhp.giaovien")
    assert cal["first_teaching_week"] == "2025-09-08" and cal["shift_holidays"] is True
    assert cal["weeks"][0] == {"number": 1, "key": "2025-2026.t01", "monday": "2025-09-08", "teaching": True}
    assert next(w for w in cal["weeks"] if w["number"] == 19)["monday"] == "2026-01-12"


def test_an_impossible_frame_is_refused_naming_the_field(api, frame_body):
    r = api.call("PUT", "/calendar/frames/2025-2026", "pgd.truongphong", {**frame_body, "closing_day": "2027-05-29"})
    assert r.status_code == 422 and r.get_json()["field"] == "closing_day"
    r = api.call("PUT", "/calendar/frames/2025-2026", "pgd.truongphong",
                 {**frame_body, "holidays": [{"name": "Nghỉ hè", "first_day": "2026-06-01", "last_day": "2026-06-30"}]})
    assert r.status_code == 422 and r.get_json()["field"] == "holidays[0]"
    assert "nằm ngoài năm học" in r.get_json()["detail"]


def test_the_principal_keeps_due_days_inside_holidays_and_it_is_audited(api):
    week = "2025-2026.t25"  # the week after Tết; its Friday before is 20/02/2026, mùng 4 Tết
    assert api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", week)["due_at"] == "2026-02-13T23:59:59+07:00"
    assert api.call("PUT", "/rules/holiday-shift", "thhp.totruong", {"shift_holidays": False}).status_code == 403
    assert api.ok("PUT", "/rules/holiday-shift", "thhp.hieutruong", {"shift_holidays": False}) == {"shift_holidays": False}
    assert api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", week)["due_at"] == "2026-02-20T23:59:59+07:00"
    assert api.obligation("thcsnh.giaovien", "ke_hoach_bai_day", "hang_tuan", week)["due_at"] == \
        "2026-02-13T23:59:59+07:00"  # another school still moves it
    [entry] = api.audit("th-hoa-phong/holiday_shift")
    assert entry["actor"] == "thhp.hieutruong" and entry["data"] == {"shift_holidays": False}


def test_a_district_floor_without_sense_is_refused_and_nothing_changes(api):
    r = api.call("PUT", "/district/rules/ho_so_khuyet_tat/ke_hoach_hk2", "pgd.truongphong",
                 {"rule": {"kind": "school_week", "week": 45}})
    assert r.status_code == 422 and r.get_json()["field"] == "ho_so_khuyet_tat.ke_hoach_hk2"
    assert "chỉ có 38 tuần dạy học" in r.get_json()["detail"]
    r = api.call("PUT", "/district/rules/ke_hoach_bai_day/hang_tuan", "pgd.truongphong",
                 {"rule": {"kind": "weekly_before_teaching", "weekday": 4, "weeks_before": 0}})
    assert r.status_code == 422 and "trước khi tuần dạy bắt đầu" in r.get_json()["detail"]
    assert _row(api, "thhp.hieutruong", "ho_so_khuyet_tat", "ke_hoach_hk2")["district_rule"]["week"] == 19


def test_a_school_rule_after_the_closing_day_is_refused(api):
    r = api.call("PUT", "/rules/ho_so_pho_cap/khi_co_yeu_cau", "thhp.hieutruong",
                 {"rule": {"kind": "after_event", "event": "ket_thuc_nam_hoc", "days": 10}})
    assert r.status_code == 422 and "sau khi năm học 2025-2026 kết thúc" in r.get_json()["detail"]


def test_mam_non_weekly_plans_are_approved_on_the_upload_weekend_not_before_it(api):
    onboard(api.container, "mn-hoa-chau", datetime(2025, 8, 1, tzinfo=TIMEZONE))
    ob = next(o for o in api.obligations("mnhc.giaovien") if o["period_key"] == "2025-2026.t02"
              and o["item"] == "hang_tuan")
    assert ob["due_at"] == "2025-09-14T23:59:59+07:00"  # Sunday before tuần 2 (15/09)
    assert ob["approval_due_at"] == "2025-09-14T23:59:59+07:00" and ob["approval_possible"] is True


def test_ke_hoach_to_is_approved_before_5_september_and_that_is_checked_on_approval(api):
    ob = api.obligation("thhp.totruong", "ke_hoach_to", "bao_cao", "2025-2026")
    assert ob["due_at"] == "2025-09-02T23:59:59+07:00"  # the school's “trước ngày 03/9”
    assert ob["approval_due_at"] == "2025-09-04T23:59:59+07:00"  # the district's “duyệt trước ngày 05/9”
    api.clock.set(datetime(2025, 9, 2, 10, 0, tzinfo=TIMEZONE))
    sub = api.ok("POST", "/submissions", "thhp.totruong", {
        "obligation_id": ob["id"], "document_id": "kht", "version_id": "v1", "sha256": hashlib.sha256(b"k").hexdigest()})
    assert sub["on_time"] is True and sub["approval_possible"] is True
    api.clock.set(datetime(2025, 9, 5, 8, 0, tzinfo=TIMEZONE))
    late = api.ok("GET", f"/submissions/{sub['id']}", "thhp.totruong")
    assert late["on_time"] is True and late["approval_possible"] is False
    assert late["approval_notice"] == "Không còn kịp phê duyệt trước hạn 23:59:59 04/09/2025."
    api.ok("POST", f"/submissions/{sub['id']}/decision", "thhp.phohieutruong", {"decision": "approve"})
    approved = next(e for e in api.events() if e.type == "approvals.submission.approved"
                    and e.data["submission_id"] == sub["id"])
    assert approved.data["approved_in_time"] is False


def test_a_rule_waiting_for_an_undated_event_says_so_where_the_school_reads_its_rules(api):
    api.ok("PUT", "/calendar/2025-2026/events", "thhp.hieutruong", {"events": {"le_tong_ket": "2026-05-25"}})
    row = _row(api, "thhp.hieutruong", "so_cong_tac_doi", "chuong_trinh_nam")
    assert row["notice"].startswith("Trường chưa nhập ngày “Đại hội Liên đội” của năm học 2025-2026")
    assert row["school_text"] == "2 ngày sau sự kiện “Đại hội Liên đội”"
    assert _row(api, "thhp.hieutruong", "so_cong_tac_doi", "ban_giao")["notice"] is None


def test_between_the_closing_day_and_the_next_frame_the_principal_prepares_next_years_rules(api, frame_body):
    api.clock.set(datetime(2026, 6, 15, 9, 0, tzinfo=TIMEZONE))  # 2025-2026 closed on 29/5; no 2026-2027 frame yet
    ok = api.ok("PUT", "/rules/so_shcm/hang_thang", "thhp.hieutruong", {"rule": {"kind": "monthly_day", "day": 20}})
    assert ok["rule"]["day"] == 20
    r = api.call("PUT", "/rules/so_shcm/hang_thang", "thhp.hieutruong", {"rule": {"kind": "fixed_date", "month": 9, "day": 1}})
    assert r.status_code == 422 and "cùng chu kỳ" in r.get_json()["detail"]
    next_year = {**frame_body, "opening_day": "2026-09-05", "semester_1_end": "2027-01-16", "closing_day": "2027-05-28",
                 "first_teaching_week": "2026-09-07",
                 "holidays": [{"name": "Nghỉ Tết Nguyên đán Đinh Mùi", "first_day": "2027-02-01", "last_day": "2027-02-14"}],
                 "points": {}}
    api.ok("PUT", "/calendar/frames/2026-2027", "pgd.truongphong", next_year)
    assert api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2026-10")["due_at"] == "2026-10-20T23:59:59+07:00"


def test_a_published_frame_publishes_its_weeks_in_the_same_write(api, frame_body):
    """``approvals.calendar.published`` carries the weeks the calendar shows (documents lists and exports them)."""
    api.events()
    before = len(api.publisher.published)
    moved = {**frame_body, "closing_day": "2026-05-22"}
    api.ok("PUT", "/calendar/frames/2025-2026", "pgd.truongphong", moved)
    doc = CalendarFrameDoc.objects.get(district_id="pgd-hoa-vang", year="2025-2026")
    assert [e["type"] for e in doc.outbox][-1:] == ["approvals.calendar.published"]
    published = [e for e in api.events()[before:] if e.type == "approvals.calendar.published"]
    assert len(published) == 1 and published[0].district == "pgd-hoa-vang" and published[0].tenant is None
    data = published[0].data
    assert (data["district_id"], data["school_year"]) == ("pgd-hoa-vang", "2025-2026")
    assert (data["first_teaching_day"], data["last_teaching_day"]) == ("2025-09-05", "2026-05-22")
    shown = api.ok("GET", "/calendar/2025-2026", "thhp.giaovien")["weeks"]
    assert [{k: w[k] for k in ("number", "key", "monday", "teaching")} for w in data["weeks"]] == shown
    assert data["weeks"][0]["label"] == "Tuần 1 (08/09/2025)" and data["weeks"][-1]["key"] == "2025-2026.t37"
    tet = next(w for w in data["weeks"] if w["number"] == 24)
    assert tet["monday"] == "2026-02-16" and tet["teaching"] is False


def test_the_migration_publishes_the_weeks_of_frames_stored_before(api):
    """Frames published before documents listened reach it when the migration runs."""
    api.events()
    before = len(api.publisher.published)
    assert api.container.setup.republish_frames() == 1
    again = [e for e in api.events()[before:] if e.type == "approvals.calendar.published"]
    assert [(e.district, e.data["school_year"], len(e.data["weeks"])) for e in again] == [("pgd-hoa-vang", "2025-2026", 38)]
