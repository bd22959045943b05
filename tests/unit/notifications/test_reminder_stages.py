"""Reminder stages of one obligation (plain domain): when they come, which is told after a pause, the words."""
from __future__ import annotations

from datetime import datetime

from services.kernel.clock import VN_TZ
from services.notifications.domain.reminder_stages import DueObligation, come, say_left, say_period, schedule

POLICY = {"before": [{"days_before": 2, "at": "07:00"}, {"days_before": 0, "at": "07:00"}],
          "escalate_approver_after_days": 1, "escalate_principal_after_days": 2}


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 11, day, hour, minute, tzinfo=VN_TZ)


def due(at: datetime, **kw) -> DueObligation:
    return DueObligation.from_data({"id": "o", "school": "s", "owner": "gv", "book_name": "Kế hoạch bài dạy",
                                    "period_label": "Tuần 13 (24/11/2025)", "due_at": at.isoformat(),
                                    "approvers": ["tt"], "principal": "ht", "policy": POLICY, **kw})


def test_the_default_schedule_of_a_friday_deadline():
    assert [(s.stage, s.at.astimezone(VN_TZ), s.audience) for s in schedule(due(vn(28, 17)))] == [
        ("before-1", vn(26, 7), "owner"), ("before-2", vn(28, 7), "owner"), ("due", vn(28, 17), "owner"),
        ("overdue", vn(29, 17), "owner"), ("escalate-approver", vn(29, 17), "approver"),
        ("escalate-principal", vn(30, 17), "principal")]


def test_a_reminder_after_an_early_morning_deadline_is_left_out():
    assert "before-2" not in [s.stage for s in schedule(due(vn(28, 6)))]  # 07:00 would be after 06:00


def test_no_approver_no_escalation_to_one():
    assert "escalate-approver" not in [s.stage for s in schedule(due(vn(28, 17), approvers=[]))]


def test_after_a_pause_only_the_latest_stage_of_each_audience_is_told():
    late = come(due(vn(28, 17)), vn(29, 18))
    assert [(s.stage, s.audience) for s in late] == [("overdue", "owner"), ("escalate-approver", "approver")]
    assert come(due(vn(28, 17)), vn(26, 6, 59)) == []


def test_the_words_people_use():
    assert say_period("Tuần 13 (24/11/2025)") == "tuần 13, từ 24/11"
    assert say_period("Tháng 11/2025") == "tháng 11/2025"
    assert say_left(vn(28, 17), vn(26, 7)) == "còn 2 ngày (hạn 17:00 ngày 28/11)"
    assert say_left(vn(28, 17), vn(28, 7)) == "hạn chót hôm nay, lúc 17:00"
