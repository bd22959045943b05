"""What the web app's corrections and calendar pages read: the school's corrections listed with their
titles (leaders see all, a teacher her own requests, another school none) and events named as people say them."""
from __future__ import annotations

from .test_corrections import approved_plan, sha


def test_corrections_are_listed_newest_first_with_the_records_title_for_those_who_take_part(api):
    sid = approved_plan(api)
    first = api.ok("POST", "/corrections", "thhp.giaovien", {"submission_id": sid, "reason": "Sai số tiết.",
                                                             "version_id": "v2", "sha256": sha("v2")})
    api.clock.advance(minutes=5)
    second = api.ok("POST", "/corrections", "thhp.hieutruong", {"submission_id": sid, "reason": "Sai tên bài.",
                                                                "version_id": "v3", "sha256": sha("v3")})
    listed = api.ok("GET", "/corrections", "thhp.quantri")["items"]
    assert [c["id"] for c in listed] == [second["id"], first["id"]]
    assert listed[0]["title"] and listed[0]["title"] == api.ok("GET", f"/corrections/{first['id']}", "thhp.giaovien")["title"]
    assert [c["id"] for c in api.ok("GET", "/corrections", "thhp.giaovien")["items"]] == [first["id"]]
    assert api.ok("GET", "/corrections", "thhp.giaovien2")["items"] == []
    assert api.ok("GET", "/corrections", "thcsnh.hieutruong")["items"] == []
    page = api.ok("GET", "/corrections?limit=1", "thhp.hieutruong")
    assert [c["id"] for c in page["items"]] == [second["id"]] and page["next_cursor"]


def test_the_calendar_names_its_points_and_events_and_keeps_a_named_school_event(api):
    cal = api.ok("GET", "/calendar/2025-2026", "thhp.giaovien")
    assert cal["names"]["ket_thuc_hk1"] == "Kết thúc học kỳ I"
    assert cal["names"]["dai_hoi_lien_doi"] == "Đại hội Liên đội"
    events = {**cal["events"], "Hội khỏe Phù Đổng cấp trường": "2026-03-12"}
    api.ok("PUT", "/calendar/2025-2026/events", "thhp.hieutruong", {"events": events})
    cal = api.ok("GET", "/calendar/2025-2026", "thhp.giaovien")
    assert cal["events"]["Hội khỏe Phù Đổng cấp trường"] == "2026-03-12"
    assert cal["names"]["Hội khỏe Phù Đổng cấp trường"] == "Hội khỏe Phù Đổng cấp trường"


def test_district_staff_read_their_published_frame_and_schools_may_not(api):
    frame = api.ok("GET", "/calendar/frames/2025-2026", "pgd.truongphong")
    assert frame["opening_day"] == "2025-09-05" and frame["names"]["khai_giang"] == "Khai giảng"
    assert frame["events"] == {} and frame["weeks"][0]["monday"] == "2025-09-08"
    r = api.call("GET", "/calendar/frames/2025-2026", "thhp.hieutruong")
    assert r.status_code == 403
    r = api.call("GET", "/calendar/frames/2031-2032", "pgd.truongphong")
    assert r.status_code == 404 and r.get_json()["detail"] == "Phòng chưa công bố khung kế hoạch năm học 2031-2032."
