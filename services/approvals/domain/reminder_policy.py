"""A school's reminder policy (part of its quy chế): when people are reminded and escalated.

Plain data, validated here; approvals stores it with the school's settings and hands it to
notifications with every due obligation, which turns it into reminder stages. Times of day are
Vietnam time; a reminder before the deadline must fall outside the quiet hours (21:00–06:30).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Any, NamedTuple

from .errors import InvalidRule

#: the quiet hours nothing is pushed in (the dispatcher holds push channels then)
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(6, 30)
MAX_DAYS = 14
MAX_BEFORE = 4
POLICY_CODE = "invalid-reminder-policy"
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class BeforeOffset(NamedTuple):
    """A reminder ``days_before`` the due day (0: the due day itself) at ``at`` (HH:MM, Vietnam time)."""

    days_before: int
    at: str


@dataclass(frozen=True)
class ReminderPolicy:
    """Reminders before the due time, then escalation after it (days after the deadline passed)."""

    before: tuple[BeforeOffset, ...]
    escalate_approver_after_days: int
    escalate_principal_after_days: int

    def to_data(self) -> dict[str, Any]:
        return {"before": [{"days_before": b.days_before, "at": b.at} for b in self.before],
                "escalate_approver_after_days": self.escalate_approver_after_days,
                "escalate_principal_after_days": self.escalate_principal_after_days}

    def describe(self) -> str:
        """The policy in one Vietnamese sentence for the setup page."""
        parts = [f"lúc {b.at} ngày hạn chót" if b.days_before == 0 else f"lúc {b.at}, {b.days_before} ngày trước hạn"
                 for b in self.before]
        before = ("Nhắc " + ", ".join(parts) + ". ") if parts else "Không nhắc trước hạn. "
        return (before + f"Quá hạn {self.escalate_approver_after_days} ngày: báo người duyệt; "
                f"quá hạn {self.escalate_principal_after_days} ngày: báo hiệu trưởng.")


DEFAULT_POLICY = ReminderPolicy(before=(BeforeOffset(2, "07:00"), BeforeOffset(0, "07:00")),
                                escalate_approver_after_days=1, escalate_principal_after_days=2)


def _fail(message: str, field: str) -> InvalidRule:
    return InvalidRule(message, field=field, code=POLICY_CODE)


def _days(value: Any, field: str, *, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail("Số ngày phải là số nguyên.", field)
    if not low <= value <= MAX_DAYS:
        raise _fail(f"Số ngày phải từ {low} đến {MAX_DAYS}.", field)
    return value


def _quiet(at: time) -> bool:
    return at >= QUIET_FROM or at < QUIET_UNTIL


def parse_policy(data: Any, *, field: str = "reminders") -> ReminderPolicy:
    """A policy from its JSON form; ``InvalidRule`` (Vietnamese, naming the field) when malformed."""
    if not isinstance(data, dict):
        raise _fail("Quy định nhắc việc phải là một đối tượng.", field)
    unknown = sorted(set(data) - {"before", "escalate_approver_after_days", "escalate_principal_after_days"})
    if unknown:
        raise _fail(f"Trường không được hỗ trợ: {', '.join(unknown)}.", f"{field}.{unknown[0]}")
    raw_before = data.get("before", [b._asdict() for b in DEFAULT_POLICY.before])
    if not isinstance(raw_before, list) or len(raw_before) > MAX_BEFORE:
        raise _fail(f"Danh sách nhắc trước hạn có tối đa {MAX_BEFORE} lần nhắc.", f"{field}.before")
    before: list[BeforeOffset] = []
    for i, raw in enumerate(raw_before):
        where = f"{field}.before.{i}"
        if not isinstance(raw, dict) or set(raw) != {"days_before", "at"}:
            raise _fail("Mỗi lần nhắc cần số ngày trước hạn (days_before) và giờ nhắc (at).", where)
        days = _days(raw["days_before"], f"{where}.days_before")
        match = _HHMM.match(str(raw["at"]))
        if not match:
            raise _fail("Giờ nhắc phải có dạng HH:MM, ví dụ 07:00.", f"{where}.at")
        if _quiet(time(int(match[1]), int(match[2]))):
            raise _fail("Giờ nhắc phải trong khoảng 06:30–21:00 (ngoài giờ yên lặng).", f"{where}.at")
        offset = BeforeOffset(days, str(raw["at"]))
        if offset in before:
            raise _fail("Hai lần nhắc trùng nhau.", where)
        before.append(offset)
    before.sort(key=lambda b: (-b.days_before, b.at))
    approver = _days(data.get("escalate_approver_after_days", DEFAULT_POLICY.escalate_approver_after_days),
                     f"{field}.escalate_approver_after_days", low=1)
    principal = _days(data.get("escalate_principal_after_days", DEFAULT_POLICY.escalate_principal_after_days),
                      f"{field}.escalate_principal_after_days", low=1)
    if principal < approver:
        raise _fail("Báo hiệu trưởng không được sớm hơn báo người duyệt.", f"{field}.escalate_principal_after_days")
    return ReminderPolicy(tuple(before), approver, principal)


def stored_policy(data: dict[str, Any] | None) -> ReminderPolicy:
    """The saved policy, or the default when none is saved or it no longer validates."""
    if not data:
        return DEFAULT_POLICY
    try:
        return parse_policy(data)
    except InvalidRule:
        return DEFAULT_POLICY
