"""The calendar names every date a deadline rule may refer to, so a principal picks "Kết thúc học kỳ I"
instead of typing ``ket_thuc_hk1``."""
from __future__ import annotations


def test_the_calendar_lists_its_points_and_the_schools_events_by_name_and_date(api):
    api.ok("PUT", "/calendar/2025-2026/events", "thhp.hieutruong", {"events": {"le_tong_ket": "2026-05-25"}})
    named = api.ok("GET", "/calendar/2025-2026", "thhp.hieutruong")["named"]
    by_slug = {e["event"]: e for e in named}
    assert by_slug["ket_thuc_hk1"]["name"] == "Kết thúc học kỳ I"
    assert by_slug["khai_giang"]["name"] == "Khai giảng"
    assert by_slug["le_tong_ket"] == {"event": "le_tong_ket", "name": "Lễ tổng kết năm học", "date": "2026-05-25"}
    assert [e["date"] for e in named] == sorted(e["date"] for e in named)
    other = {e["event"] for e in api.ok("GET", "/calendar/2025-2026", "thcsnh.hieutruong")["named"]}
    assert "le_tong_ket" not in other  # another school's event stays its own
