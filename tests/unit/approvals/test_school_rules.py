"""Quy chế per school: deadlines within the district floor, chains per school, and isolation between schools."""
from __future__ import annotations

import hashlib
from datetime import datetime

from services.approvals.domain.calendar import TIMEZONE


def test_principal_cannot_set_a_deadline_looser_than_the_district(api):
    r = api.call("PUT", "/rules/ke_hoach_bai_day/hang_tuan", "thhp.hieutruong",
                 {"rule": {"kind": "weekly_before_teaching", "weekday": 6}})
    assert r.status_code == 422
    body = r.get_json()
    assert body["field"] == "ke_hoach_bai_day.hang_tuan"
    assert body["detail"].startswith("Hạn của trường ở “ke_hoach_bai_day.hang_tuan” lỏng hơn quy định của Phòng")
    r = api.call("PUT", "/rules/so_shcm/hang_thang", "thhp.hieutruong", {"rule": {"kind": "monthly_day", "day": 40}})
    assert r.status_code == 422 and r.get_json()["field"] == "so_shcm.hang_thang.day"


def test_only_the_principal_sets_rules(api):
    for who in ("thhp.phohieutruong", "thhp.totruong", "thhp.quantri", "pgd.truongphong"):
        r = api.call("PUT", "/rules/so_shcm/hang_thang", who, {"rule": {"kind": "monthly_day", "day": 25}})
        assert r.status_code == 403, who


def test_stricter_rule_moves_own_obligations_only_and_the_ui_sees_both(api):
    before_b = api.obligation("thcsnh.giaovien", "so_shcm", "hang_thang", "2025-10")
    ok = api.ok("PUT", "/rules/so_shcm/hang_thang", "thhp.hieutruong", {"rule": {"kind": "monthly_day", "day": 25}})
    assert ok["text"] == "trước hết ngày 25 hằng tháng"
    assert api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2025-10")["due_at"] == "2025-10-25T23:59:59+07:00"
    assert api.obligation("thcsnh.giaovien", "so_shcm", "hang_thang", "2025-10") == before_b
    assert before_b["due_at"] == "2025-10-31T23:59:59+07:00"

    row_a = next(r for r in api.ok("GET", "/rules", "thhp.giaovien")["items"]
                 if (r["book_type"], r["item"]) == ("so_shcm", "hang_thang"))
    assert row_a["district_rule"] == {"kind": "monthly_last_day", "months": None, "not_before": None}
    assert row_a["school_rule"]["day"] == 25 and row_a["district_text"] == "trước hết ngày cuối tháng"
    row_b = next(r for r in api.ok("GET", "/rules", "thcsnh.giaovien")["items"]
                 if (r["book_type"], r["item"]) == ("so_shcm", "hang_thang"))
    assert row_b["school_rule"] == row_b["district_rule"]
    entry = api.container.runtime.audit.entries(target="th-hoa-phong/so_shcm.hang_thang")[0]
    assert entry["actor"] == "thhp.hieutruong" and entry["action"] == "approvals.rule.set"


def test_a_submission_keeps_the_due_time_in_force_when_submitted(api):
    ob = api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2025-10")
    api.clock.set(datetime(2025, 10, 28, 9, 0, tzinfo=TIMEZONE))
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "shcm", "version_id": "v1", "sha256": hashlib.sha256(b"1").hexdigest()})
    assert sub["on_time"] is True
    api.ok("PUT", "/rules/so_shcm/hang_thang", "thhp.hieutruong", {"rule": {"kind": "monthly_day", "day": 25}})
    after = api.ok("GET", f"/submissions/{sub['id']}", "thhp.giaovien")
    assert after["due_at"] == "2025-10-31T23:59:59+07:00" and after["on_time"] is True
    assert api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2025-11")["due_at"] == "2025-11-25T23:59:59+07:00"


def test_a_school_changes_its_own_chain_only(api):
    chain = {"stages": [[{"role": "to_truong", "scope": "unit"}], [{"role": "pho_hieu_truong"}]]}
    assert api.call("PUT", "/chains/so_shcm", "thhp.totruong", {"chain": chain}).status_code == 403
    api.ok("PUT", "/chains/so_shcm", "thhp.hieutruong", {"chain": chain})
    assert api.ok("GET", "/chains/so_shcm", "thcsnh.hieutruong")["chain"]["stages"][0][1]["mode"] == "check"
    bad = api.call("PUT", "/chains/so_shcm", "thhp.hieutruong", {"chain": {"stages": [[{"role": "bao_ve"}]]}})
    assert bad.status_code == 422 and bad.get_json()["field"].startswith("chain.stages.0.0")

    ob = api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2025-09")
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "s", "version_id": "v1", "sha256": hashlib.sha256(b"s").hexdigest()})
    stage1 = api.ok("POST", f"/submissions/{sub['id']}/decision", "thhp.totruong", {"decision": "approve"})
    assert stage1["state"] == "in_review" and stage1["waiting_for"] == [{"role": "pho_hieu_truong", "unit": None}]
    assert api.ok("POST", f"/submissions/{sub['id']}/decision", "thhp.phohieutruong",
                  {"decision": "approve"})["state"] == "approved"


def test_to_truong_own_plan_goes_to_the_pht(api):
    ob = api.obligation("thhp.totruong", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t05")
    sub = api.ok("POST", "/submissions", "thhp.totruong", {
        "obligation_id": ob["id"], "document_id": "k", "version_id": "v1", "sha256": hashlib.sha256(b"k").hexdigest()})
    assert sub["waiting_for"] == [{"role": "pho_hieu_truong", "unit": None}]


def test_parallel_approvers_of_one_stage_both_decide_in_any_order(api):
    chain = {"stages": [[{"role": "pho_hieu_truong"}, {"role": "hieu_truong"}]]}
    api.ok("PUT", "/chains/ke_hoach_to", "thhp.hieutruong", {"chain": chain, "unit_kind": "to_chuyen_mon"})
    ob = api.obligation("thhp.totruong", "ke_hoach_to", "hoan_thien", "2025-2026")
    sub = api.ok("POST", "/submissions", "thhp.totruong", {
        "obligation_id": ob["id"], "document_id": "kht", "version_id": "v1", "sha256": hashlib.sha256(b"t").hexdigest()})
    assert sorted(w["role"] for w in sub["waiting_for"]) == ["hieu_truong", "pho_hieu_truong"]
    assert [q["id"] for q in api.ok("GET", "/queue", "thhp.phohieutruong")["items"]] == [sub["id"]]
    assert [q["id"] for q in api.ok("GET", "/queue", "thhp.hieutruong")["items"]] == [sub["id"]]
    first = api.ok("POST", f"/submissions/{sub['id']}/decision", "thhp.hieutruong", {"decision": "approve"})
    assert first["state"] == "in_review" and first["waiting_for"] == [{"role": "pho_hieu_truong", "unit": None}]
    assert api.ok("GET", "/queue", "thhp.hieutruong")["items"] == []
    assert api.call("POST", f"/submissions/{sub['id']}/decision", "thhp.hieutruong",
                    {"decision": "approve"}).status_code == 403  # already decided its own step
    assert api.ok("POST", f"/submissions/{sub['id']}/decision", "thhp.phohieutruong",
                  {"decision": "approve"})["state"] == "approved"


def test_a_rule_looser_under_a_later_frame_yields_to_the_district_floor(api, frame_body):
    api.ok("PUT", "/rules/ke_hoach_day_hoc_gv/ke_hoach_nam", "thhp.hieutruong",
           {"rule": {"kind": "after_event", "event": "khai_giang", "days": 14}})  # 19/09/2025: before 20/9
    assert api.obligation("thhp.giaovien", "ke_hoach_day_hoc_gv", "ke_hoach_nam", "2025-2026")["due_at"] == \
        "2025-09-19T23:59:59+07:00"
    late_opening = {**frame_body, "opening_day": "2025-09-08"}
    api.ok("PUT", "/calendar/frames/2025-2026", "pgd.truongphong", late_opening)  # 08/09 + 14 = 22/09 > 20/9
    assert api.obligation("thhp.giaovien", "ke_hoach_day_hoc_gv", "ke_hoach_nam", "2025-2026")["due_at"] == \
        "2025-09-20T23:59:59+07:00"


def test_district_sets_a_floor_that_every_school_follows(api):
    api.ok("PUT", "/rules/so_shcm/hang_thang", "thhp.hieutruong", {"rule": {"kind": "monthly_day", "day": 28}})
    for who in ("thhp.hieutruong", "pgd.chuyenvien"):
        r = api.call("PUT", "/district/rules/so_shcm/hang_thang", who, {"rule": {"kind": "monthly_day", "day": 25}})
        assert r.status_code == 403, who
    api.ok("PUT", "/district/rules/so_shcm/hang_thang", "pgd.truongphong", {"rule": {"kind": "monthly_day", "day": 25}})
    # the school's 28th is now looser than the floor: the floor wins; the other school follows the floor too
    assert api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2025-11")["due_at"] == "2025-11-25T23:59:59+07:00"
    assert api.obligation("thcsnh.giaovien", "so_shcm", "hang_thang", "2025-11")["due_at"] == "2025-11-25T23:59:59+07:00"
    r = api.call("PUT", "/rules/so_shcm/hang_thang", "thhp.hieutruong", {"rule": {"kind": "monthly_last_day"}})
    assert r.status_code == 422 and "lỏng hơn quy định của Phòng" in r.get_json()["detail"]
    row = next(x for x in api.ok("GET", "/district/rules", "pgd.chuyenvien")["items"]
               if (x["book_type"], x["item"]) == ("so_shcm", "hang_thang"))
    assert row["set_by_district"] is True and row["district_text"] == "trước hết ngày 25 hằng tháng"
    school_row = next(x for x in api.ok("GET", "/rules", "thhp.giaovien")["items"]
                      if (x["book_type"], x["item"]) == ("so_shcm", "hang_thang"))
    assert school_row["district_rule"]["day"] == 25


def test_only_the_district_publishes_a_valid_frame(api, frame_body):
    assert api.call("PUT", "/calendar/frames/2026-2027", "thhp.hieutruong", frame_body).status_code == 403
    bad = {**frame_body, "opening_day": "2026-09-05", "semester_1_end": "2026-08-01", "closing_day": "2027-05-31"}
    r = api.call("PUT", "/calendar/frames/2026-2027", "pgd.truongphong", bad)
    assert r.status_code == 422 and r.get_json()["field"] == "semester_1_end"
    r = api.call("PUT", "/calendar/2025-2026/events", "thhp.hieutruong", {"events": {"le_tong_ket": "2027-06-01"}})
    assert r.status_code == 422 and r.get_json()["field"] == "events.le_tong_ket"
    cal = api.ok("GET", "/calendar/2025-2026", "thhp.giaovien")
    week25 = next(w for w in cal["weeks"] if w["number"] == 25)
    assert (week25["monday"], week25["teaching"]) == ("2026-02-16", False)
    assert cal["events"] == {"dai_hoi_lien_doi": "2025-10-10", "le_tong_ket": "2026-05-25"}
    assert api.ok("GET", "/calendar/2025-2026", "thcsnh.giaovien")["events"] == {}
