"""The school's reminder policy: set by the principal through the quy chế API, validated in Vietnamese."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import pytest

from services.approvals.domain.calendar import TIMEZONE

DEFAULT = {"before": [{"days_before": 2, "at": "07:00"}, {"days_before": 0, "at": "07:00"}],
           "escalate_approver_after_days": 1, "escalate_principal_after_days": 2}


def test_default_policy_until_the_principal_sets_one(api):
    got = api.ok("GET", "/rules/reminders", "thhp.giaovien")
    assert got["reminders"] == DEFAULT
    assert got["text"].startswith("Nhắc lúc 07:00, 2 ngày trước hạn, lúc 07:00 ngày hạn chót.")


def test_principal_sets_it_audited_and_notifications_reads_it(api):
    body = {"before": [{"days_before": 0, "at": "13:30"}, {"days_before": 3, "at": "08:00"}],
            "escalate_approver_after_days": 2, "escalate_principal_after_days": 4}
    out = api.ok("PUT", "/rules/reminders", "thhp.hieutruong", {"reminders": body})
    assert out["reminders"]["before"] == [{"days_before": 3, "at": "08:00"}, {"days_before": 0, "at": "13:30"}]
    assert api.ok("GET", "/rules/reminders", "thhp.totruong")["reminders"] == out["reminders"]
    assert api.ok("GET", "/rules/reminders", "thcsnh.hieutruong")["reminders"] == DEFAULT  # another school's own
    [entry] = [e for e in api.audit("th-hoa-phong/reminders")]
    assert entry["action"] == "approvals.reminder_policy.set" and entry["actor"] == "thhp.hieutruong"
    api.clock.set(datetime(2025, 11, 20, 8, 0, tzinfo=TIMEZONE))
    q = urlencode({"from": "2025-11-24T00:00:00+07:00", "to": "2025-12-01T00:00:00+07:00"})
    feed = api.client.get(f"/api/v1/internal/obligations/due?{q}", headers={
        "Authorization": f"Bearer {api.tokens.service_token('notifications')}"}).get_json()["items"]
    assert {i["school"]: i["policy"]["escalate_principal_after_days"] for i in feed} == {
        "th-hoa-phong": 4, "thcs-nguyen-hue": 2}


def test_only_the_principal_may_change_it(api):
    for who in ("thhp.giaovien", "thhp.totruong", "thhp.phohieutruong"):
        resp = api.call("PUT", "/rules/reminders", who, {"reminders": DEFAULT})
        assert resp.status_code == 403
        assert resp.get_json()["detail"] == "Chỉ hiệu trưởng mới được thay đổi quy chế của trường."


@pytest.mark.parametrize("reminders, field, title", [
    ({"before": [{"days_before": 1, "at": "22:00"}]}, "reminders.before.0.at",
     "Giờ nhắc phải trong khoảng 06:30–21:00 (ngoài giờ yên lặng)."),
    ({"before": [{"days_before": 1, "at": "7h"}]}, "reminders.before.0.at", "Giờ nhắc phải có dạng HH:MM, ví dụ 07:00."),
    ({"before": [{"days_before": 30, "at": "07:00"}]}, "reminders.before.0.days_before", "Số ngày phải từ 0 đến 14."),
    ({"before": [{"days_before": 1, "at": "07:00"}, {"days_before": 1, "at": "07:00"}]}, "reminders.before.1",
     "Hai lần nhắc trùng nhau."),
    ({"escalate_approver_after_days": 3, "escalate_principal_after_days": 2},
     "reminders.escalate_principal_after_days", "Báo hiệu trưởng không được sớm hơn báo người duyệt."),
    ({"escalate_approver_after_days": 0}, "reminders.escalate_approver_after_days", "Số ngày phải từ 1 đến 14."),
    ({"escalate_approver_after_days": "1"}, "reminders.escalate_approver_after_days", "Số ngày phải là số nguyên."),
    ({"snooze": True}, "reminders.snooze", "Trường không được hỗ trợ: snooze."),
])
def test_bad_policies_are_refused_naming_the_field(api, reminders, field, title):
    resp = api.call("PUT", "/rules/reminders", "thhp.hieutruong", {"reminders": reminders})
    assert resp.status_code == 422
    problem = resp.get_json()
    assert (problem["field"], problem["detail"], problem["code"]) == (field, title, "invalid-reminder-policy")
    assert api.ok("GET", "/rules/reminders", "thhp.hieutruong")["reminders"] == DEFAULT
