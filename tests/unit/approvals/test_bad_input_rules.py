"""Bad deadline rules are refused before they are saved (issue 10, defect 8).

A district floor with ``not_before`` 29/02 used to be saved and then broke every recompute and
every principal's ``PUT /rules`` of the district (500) until replaced; ``weekday: true`` was taken
as Tuesday (a bool is an int in Python). Both are now 422 problems naming the field, and the
rules saved before keep working.
"""
from __future__ import annotations

import pytest


def test_a_floor_with_not_before_29_february_is_refused_and_the_saved_floor_keeps_working(api):
    api.ok("PUT", "/district/rules/so_shcm/hang_thang", "pgd.truongphong", {"rule": {"kind": "monthly_day", "day": 25}})

    r = api.call("PUT", "/district/rules/so_shcm/hang_thang", "pgd.truongphong",
                 {"rule": {"kind": "monthly_last_day", "not_before": {"month": 2, "day": 29}}})

    assert r.status_code == 422, r.get_json()
    problem = r.get_json()
    assert r.mimetype == "application/problem+json"
    assert problem["field"] == "so_shcm.hang_thang.not_before"
    assert "29" in problem["detail"]
    # nothing was saved: the district still shows its earlier floor, schools still follow it
    row = next(x for x in api.ok("GET", "/district/rules", "pgd.chuyenvien")["items"]
               if (x["book_type"], x["item"]) == ("so_shcm", "hang_thang"))
    assert row["district_rule"] == {"kind": "monthly_day", "day": 25, "months": None, "not_before": None}
    assert api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2026-02")["due_at"] == "2026-02-25T23:59:59+07:00"
    # and a principal of the district can still set the school's rule (which recomputes)
    api.ok("PUT", "/rules/so_shcm/hang_thang", "thhp.hieutruong", {"rule": {"kind": "monthly_day", "day": 10}})
    assert api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2026-02")["due_at"] == "2026-02-10T23:59:59+07:00"


def test_a_school_rule_with_not_before_29_february_is_refused(api):
    r = api.call("PUT", "/rules/so_chu_nhiem/hang_thang", "thhp.hieutruong",
                 {"rule": {"kind": "monthly_first_weekday", "weekday": 0, "not_before": {"month": 2, "day": 29}}})
    assert r.status_code == 422 and r.get_json()["field"] == "so_chu_nhiem.hang_thang.not_before"


@pytest.mark.parametrize("value", [True, False, "4", 4.0])
def test_weekday_must_be_a_whole_number_not_a_bool_or_text(api, value):
    r = api.call("PUT", "/rules/ke_hoach_bai_day/hang_tuan", "thhp.hieutruong",
                 {"rule": {"kind": "weekly_before_teaching", "weekday": value, "weeks_before": 1}})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["field"] == "ke_hoach_bai_day.hang_tuan.weekday"
    r = api.call("PUT", "/district/rules/ke_hoach_bai_day/hang_tuan", "pgd.truongphong",
                 {"rule": {"kind": "weekly_before_teaching", "weekday": value}})
    assert r.status_code == 422 and r.get_json()["field"] == "ke_hoach_bai_day.hang_tuan.weekday"
    # the school keeps the catalog's Friday
    row = next(x for x in api.ok("GET", "/rules", "thhp.giaovien")["items"]
               if (x["book_type"], x["item"]) == ("ke_hoach_bai_day", "hang_tuan"))
    assert row["school_rule"]["weekday"] == 4


def test_every_whole_number_of_a_rule_refuses_a_bool(api):
    r = api.call("PUT", "/district/rules/so_shcm/hang_thang", "pgd.truongphong",
                 {"rule": {"kind": "monthly_day", "day": True}})
    assert r.status_code == 422 and r.get_json()["field"] == "so_shcm.hang_thang.day"
    r = api.call("PUT", "/district/rules/so_shcm/hang_thang", "pgd.truongphong",
                 {"rule": {"kind": "monthly_last_day", "months": [True]}})
    assert r.status_code == 422 and r.get_json()["field"].startswith("so_shcm.hang_thang.months")


def test_a_29_february_floor_saved_before_the_check_no_longer_breaks_the_district(api):
    """A floor stored by an earlier version (before the refusal) falls back to the catalog's floor."""
    from datetime import datetime

    from services.approvals.adapters.repositories import DistrictRuleRepository
    from services.approvals.domain.calendar import TIMEZONE

    DistrictRuleRepository().put("pgd-hoa-vang", "so_shcm", "hang_thang", "*",
                                 {"kind": "monthly_last_day", "not_before": {"month": 2, "day": 29}},
                                 by="pgd.truongphong", at=datetime(2025, 8, 20, tzinfo=TIMEZONE))
    # a principal's rule change recomputes the school: it answers, the catalog floor (last day) stands
    r = api.call("PUT", "/rules/so_shcm/hang_thang", "thhp.hieutruong", {"rule": {"kind": "monthly_day", "day": 27}})
    assert r.status_code == 200, r.get_json()
    assert api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2026-02")["due_at"] == "2026-02-27T23:59:59+07:00"
    assert api.call("GET", "/district/rules", "pgd.chuyenvien").status_code == 200
    # and the district replaces it with a valid floor
    api.ok("PUT", "/district/rules/so_shcm/hang_thang", "pgd.truongphong", {"rule": {"kind": "monthly_day", "day": 25}})
    assert api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2026-02")["due_at"] == "2026-02-25T23:59:59+07:00"
