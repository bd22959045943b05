"""Reminder stages of one obligation: when each comes, who hears it, what they read.

Plain Python. An obligation (as approvals lists it, with its school's reminder policy) has
stages: ``before-1``, ``before-2``… (the policy's offsets before the due day, Vietnam time),
``due`` (the deadline passes: the owner), ``overdue`` (a day later: the owner), then
``escalate-approver`` and ``escalate-principal`` after the policy's delays. A stage is sent when
its time has come, once: its key holds the obligation, the stage and the due time, so a
moved deadline yields new keys and the old stages never come. When several stages of the same
audience have come at once (the job was down, the deadline was moved earlier), only the latest
is told: nobody reads «còn 2 ngày» on the last day.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

from services.kernel.clock import VN_TZ

from .notices import Kind, Notice

BEFORE, DUE, OVERDUE = "before", "due", "overdue"
ESCALATE_APPROVER, ESCALATE_PRINCIPAL = "escalate-approver", "escalate-principal"
OWNER, APPROVER, PRINCIPAL = "owner", "approver", "principal"
#: a day after the deadline the owner is told again, with how late it is
OVERDUE_AFTER = timedelta(days=1)
MY_WORK, PROGRESS = "/viec-cua-toi", "/truong/tien-do"
_WEEK_LABEL = re.compile(r"^Tuần (\d+) \((\d{2})/(\d{2})/\d{4}\)$")


@dataclass(frozen=True)
class Policy:
    """The school's reminder policy (approvals' ``reminders``): offsets before the due day, escalation delays."""

    before: tuple[tuple[int, time], ...]
    approver_after_days: int
    principal_after_days: int

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Policy:
        before = tuple(sorted(((int(b["days_before"]), time.fromisoformat(b["at"])) for b in data["before"]),
                              key=lambda b: (-b[0], b[1])))
        return cls(before, int(data["escalate_approver_after_days"]), int(data["escalate_principal_after_days"]))


@dataclass(frozen=True)
class DueObligation:
    """One open obligation with the people to tell, as ``GET /internal/obligations/due`` lists it."""

    id: str
    school: str
    owner: str
    owner_name: str | None
    book_name: str
    period_label: str
    due_at: datetime
    approvers: tuple[str, ...]
    principal: str | None
    policy: Policy

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DueObligation:
        return cls(id=data["id"], school=data["school"], owner=data["owner"], owner_name=data.get("owner_name"),
                   book_name=data["book_name"], period_label=data["period_label"],
                   due_at=datetime.fromisoformat(data["due_at"]).astimezone(timezone.utc),
                   approvers=tuple(data.get("approvers") or ()), principal=data.get("principal"),
                   policy=Policy.from_data(data["policy"]))


@dataclass(frozen=True)
class StageAt:
    """A stage of one obligation, the instant it comes and who it is for."""

    stage: str
    at: datetime
    audience: str


def schedule(o: DueObligation) -> list[StageAt]:
    """Every stage of ``o`` in time order; a reminder falling at or after the due time is left out."""
    due_day = o.due_at.astimezone(VN_TZ).date()
    out = []
    for i, (days, at) in enumerate(o.policy.before, start=1):
        when = datetime.combine(due_day - timedelta(days=days), at, tzinfo=VN_TZ).astimezone(timezone.utc)
        if when < o.due_at:
            out.append(StageAt(f"{BEFORE}-{i}", when, OWNER))
    out += [StageAt(DUE, o.due_at, OWNER), StageAt(OVERDUE, o.due_at + OVERDUE_AFTER, OWNER)]
    if o.approvers:
        out.append(StageAt(ESCALATE_APPROVER, o.due_at + timedelta(days=o.policy.approver_after_days), APPROVER))
    if o.principal:
        out.append(StageAt(ESCALATE_PRINCIPAL, o.due_at + timedelta(days=o.policy.principal_after_days), PRINCIPAL))
    return sorted(out, key=lambda s: s.at)


def come(o: DueObligation, now: datetime) -> list[StageAt]:
    """The stage of each audience whose time has come by ``now``: the latest, the earlier ones superseded."""
    latest: dict[str, StageAt] = {}
    for s in schedule(o):
        if s.at <= now:
            latest[s.audience] = s
    return sorted(latest.values(), key=lambda s: s.at)


def key(o: DueObligation, stage: str) -> str:
    """The idempotency key of one stage: a moved due time is another key."""
    return f"reminder:{o.id}:{stage}:{o.due_at.astimezone(timezone.utc).isoformat()}"


def say_period(label: str) -> str:
    """The period as people say it: «Tuần 13 (24/11/2025)» → «tuần 13, từ 24/11»; else the label, lower first."""
    match = _WEEK_LABEL.match(label)
    if match:
        return f"tuần {match[1]}, từ {match[2]}/{match[3]}"
    return label[:1].lower() + label[1:]


def say_left(due_at: datetime, at: datetime) -> str:
    """«còn 2 ngày» before the due day, «hạn chót hôm nay, lúc 17:00» on it."""
    due, now = due_at.astimezone(VN_TZ), at.astimezone(VN_TZ)
    days = (due.date() - now.date()).days
    if days <= 0:
        return f"hạn chót hôm nay, lúc {due:%H:%M}"
    return f"còn {days} ngày (hạn {due:%H:%M} ngày {due:%d/%m})"


def say_late(due_at: datetime, at: datetime) -> str:
    """«quá hạn 1 ngày»; «đã hết hạn» within the first day."""
    days = (at - due_at) // timedelta(days=1)
    return f"quá hạn {days} ngày" if days >= 1 else "đã hết hạn"


def _subject(o: DueObligation) -> str:
    return f"«{o.book_name}» {say_period(o.period_label)}"


def _who(o: DueObligation) -> str:
    """The owner by full name; by account while approvals lists no names (never an anonymous «someone»)."""
    return o.owner_name or f"người phụ trách (tài khoản {o.owner})"


def notices(o: DueObligation, s: StageAt, now: datetime) -> list[Notice]:
    """What the stage's audience reads at ``now``, one notice per person.

    ``not_before`` is the stage's time: the notice is dispatched when it comes, and the dispatcher
    holds push channels in the quiet hours (a deadline at 23:00 reaches the inbox at 23:00).
    """
    k, base = key(o, s.stage), {"school": o.school, "not_before": s.at,
                                "data": {"obligation": o.id, "stage": s.stage, "due_at": o.due_at.isoformat()}}
    if s.audience == OWNER:
        greeting = f"Kính gửi {o.owner_name}: " if o.owner_name else ""
        if s.stage.startswith(BEFORE):
            return [Notice(key=k, recipient=o.owner, kind=Kind.REMINDER, title=f"Nhắc nộp hồ sơ: {say_left(o.due_at, now)}",
                           body=f"{greeting}{_subject(o)} — {say_left(o.due_at, now)}.", link=MY_WORK, **base)]
        late = say_late(o.due_at, now)
        return [Notice(key=k, recipient=o.owner, kind=Kind.OVERDUE, title=f"Hồ sơ {late}",
                       body=f"{greeting}{_subject(o)} {late}. Vui lòng nộp sớm nhất có thể.", link=MY_WORK, **base)]
    people = o.approvers if s.audience == APPROVER else (o.principal,) if o.principal else ()
    late = say_late(o.due_at, now)
    return [Notice(key=k, recipient=p, kind=Kind.ESCALATION, title=f"Hồ sơ chưa nộp, {late}",
                   body=f"{_who(o)} chưa nộp {_subject(o)}, {late}.", link=PROGRESS, **base)
            for p in dict.fromkeys(people) if p and p != o.owner]
