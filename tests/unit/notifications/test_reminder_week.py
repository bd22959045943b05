"""A school week on a frozen clock: the reminder and digest jobs every 15 minutes, Monday 06:00 → Sunday.

Approvals' due feed is played by ``DueFeed``, which answers as ``GET /internal/obligations/due``
does (open obligations due in [from, to), by due time, in pages); the jobs, the dispatcher and the
inbox are the real ones. Every message that lands is checked: who, what, when, and once.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from email.message import EmailMessage
from typing import Any

import pytest

from services.kernel.clock import VN_TZ, FixedClock
from services.kernel.messaging import InMemoryPublisher
from services.notifications.adapters.inbox import NotificationDoc
from services.notifications.bootstrap import Container, bootstrap
from services.notifications.domain.notices import Notice
from services.notifications.entrypoints.app import create_app
from services.notifications.service_layer.dispatcher import Dispatcher
from services.notifications.service_layer.reminders import ReminderJob

SCHOOL, DISTRICT = "th-hoa-phong", "pgd-hoa-vang"
POLICY = {"before": [{"days_before": 2, "at": "07:00"}, {"days_before": 0, "at": "07:00"}],
          "escalate_approver_after_days": 1, "escalate_principal_after_days": 2}
FIGURES = {"owed": 40, "on_time": 30, "late": 3, "missing": 7, "awaiting_approval": 2}


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of the week of 24/11/2025 (Monday 24), Vietnam time."""
    return datetime(2025, 11, day, hour, minute, tzinfo=VN_TZ)


def obligation(oid: str, owner: str, due: datetime, *, name: str | None = None, book: str = "Kế hoạch bài dạy",
               period: str = "Tuần 13 (24/11/2025)") -> dict[str, Any]:
    return {"id": oid, "school": SCHOOL, "district": DISTRICT, "owner": owner, "owner_name": name,
            "book_type": "ke_hoach_bai_day", "book_name": book, "period_key": "2025-2026.t13", "period_label": period,
            "due_at": due.isoformat(), "approvers": ["tt.hoa"], "principal": "ht.minh", "policy": POLICY}


class DueFeed:
    """Approvals as the jobs see it: the due feed (paged by 3) and the dashboards."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = {i["id"]: i for i in items}
        self.submitted: set[str] = set()

    def due(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        open_ = sorted((i for i in self.items.values() if i["id"] not in self.submitted
                        and start <= datetime.fromisoformat(i["due_at"]) < end),
                       key=lambda i: (datetime.fromisoformat(i["due_at"]), i["id"]))
        for n in range(0, max(len(open_), 1), 3):
            yield open_[n:n + 3]

    def dashboard(self, level: str, scope_id: str, period: str) -> dict[str, Any]:
        if level == "school":
            return {"id": scope_id, "name": "Trường Tiểu học Hòa Phong", "total": FIGURES}
        return {"id": scope_id, "rows": [{"id": SCHOOL, "name": "Trường Tiểu học Hòa Phong", **FIGURES},
                                         {"id": "thcs-nguyen-hue", "name": "Trường THCS Nguyễn Huệ", **FIGURES}]}


class RecordingDispatcher:
    """The real dispatcher, also keeping what it was handed and when (to read ``not_before``)."""

    def __init__(self, inner: Dispatcher, clock: FixedClock) -> None:
        self.inner, self.clock = inner, clock
        self.handed: list[tuple[datetime, Notice]] = []

    def dispatch(self, notices):
        notices = list(notices)
        self.handed += [(self.clock.now(), n) for n in notices]
        return self.inner.dispatch(notices)

    def deliver_due(self, **kw: Any) -> int:
        return self.inner.deliver_due(**kw)


class SentMail:
    """The SMTP server as the e-mail channel sees it: what went out, to whom, at which (frozen) instant."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.sent: list[tuple[datetime, str, str]] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append((self.clock.now(), str(message["To"]), str(message["Subject"])))


@pytest.fixture
def week(tokens) -> Iterator[tuple[Container, DueFeed, FixedClock, Any]]:
    clock = FixedClock(vn(24, 6))
    tokens.clock = clock
    feed = DueFeed([
        obligation("o1", "gv.lan", vn(26, 17), name="Nguyễn Thị Lan"),
        obligation("o2", "gv.binh", vn(27, 23), name="Trần Văn Bình"),  # due at night
        obligation("o3", "gv.cuong", vn(28, 17), name="Lê Văn Cường"),  # moved on Tuesday to Saturday 11:00
        *[obligation(f"o{n}", f"gv{n}", vn(26, 10), book="Sổ chủ nhiệm", period="Tháng 11/2025")
          for n in range(4, 10)],
    ])
    mail = SentMail(clock)
    c = bootstrap({"mode": "test"}, environ={}, clock=clock, verifier=tokens.verifier(),
                  publisher=InMemoryPublisher(), mailer=mail, approvals_port=feed)
    c.mail = mail
    # gv.binh has an e-mail address: his reminders also go out by mail, never at night
    c.people.person_created("gv.binh", full_name="Trần Văn Bình", email="binh@hoaphong.edu.vn", school=SCHOOL,
                            district=DISTRICT)
    c.dispatcher = RecordingDispatcher(c.dispatcher, clock)
    assert c.reminders is not None and c.digests is not None
    c.reminders.dispatcher = c.digests.dispatcher = c.dispatcher
    yield c, feed, clock, create_app(container=c).test_client()


def _landed() -> list[tuple[str, str, str]]:
    """Every inbox message: (recipient, title, when it landed in Vietnam time, as «dd HH:MM»)."""
    out = []
    for d in NotificationDoc.objects:
        at = d.created_at if d.created_at.tzinfo else d.created_at.replace(tzinfo=timezone.utc)
        out.append((d.recipient, d.title, f"{at.astimezone(VN_TZ):%d %H:%M}"))
    return sorted(out)


def _run_week(c: Container, feed: DueFeed, clock: FixedClock) -> None:
    """Every 15 minutes to Sunday 23:45; each run twice (a second replica), the deadline and submission mid-week."""
    replica = ReminderJob(clock=clock, approvals=feed, dispatcher=c.dispatcher, sent=c.reminders.sent)
    while clock.now() <= vn(30, 23, 45):
        if clock.now() == vn(25, 12) and "o3" in feed.items:  # o3's deadline moved: approvals lists the new one
            feed.items["o3"]["due_at"] = vn(29, 11).isoformat()
        if clock.now() == vn(28, 10):  # gv.binh submits the night-due plan late
            feed.submitted.add("o2")
        for _, job in c.periodic():
            job()
        replica.remind_due()
        clock.advance(minutes=15)


def test_a_school_week_of_reminders_escalations_and_digests(week):
    c, feed, clock, client = week
    _run_week(c, feed, clock)
    landed = _landed()
    assert len(landed) == len(set(landed)), "nothing is told twice"
    mine = [(who, title, at) for who, title, at in landed if who not in ("tt.hoa", "ht.minh", "pgd.tra")]
    expected_owner = [
        ("gv.lan", "Nhắc nộp hồ sơ: còn 2 ngày (hạn 17:00 ngày 26/11)", "24 07:00"),
        ("gv.lan", "Nhắc nộp hồ sơ: hạn chót hôm nay, lúc 17:00", "26 07:00"),
        ("gv.lan", "Hồ sơ đã hết hạn", "26 17:00"),
        ("gv.lan", "Hồ sơ quá hạn 1 ngày", "27 17:00"),
        ("gv.binh", "Nhắc nộp hồ sơ: còn 2 ngày (hạn 23:00 ngày 27/11)", "25 07:00"),
        ("gv.binh", "Nhắc nộp hồ sơ: hạn chót hôm nay, lúc 23:00", "27 07:00"),
        ("gv.binh", "Hồ sơ đã hết hạn", "27 23:00"),  # at night: in the inbox now, push channels held
        # o3 moved from Fri 17:00 to Sat 11:00 on Tuesday: its Wednesday reminder never comes
        ("gv.cuong", "Nhắc nộp hồ sơ: còn 2 ngày (hạn 11:00 ngày 29/11)", "27 07:00"),
        ("gv.cuong", "Nhắc nộp hồ sơ: hạn chót hôm nay, lúc 11:00", "29 07:00"),
        ("gv.cuong", "Hồ sơ đã hết hạn", "29 11:00"),
        ("gv.cuong", "Hồ sơ quá hạn 1 ngày", "30 11:00"),
    ] + [t for n in range(4, 10) for t in (
        (f"gv{n}", "Nhắc nộp hồ sơ: còn 2 ngày (hạn 10:00 ngày 26/11)", "24 07:00"),
        (f"gv{n}", "Nhắc nộp hồ sơ: hạn chót hôm nay, lúc 10:00", "26 07:00"),
        (f"gv{n}", "Hồ sơ đã hết hạn", "26 10:00"),
        (f"gv{n}", "Hồ sơ quá hạn 1 ngày", "27 10:00"))]
    assert mine == sorted(expected_owner)
    approver = [(title, at) for who, title, at in landed if who == "tt.hoa"]
    assert approver == sorted([
        ("6 hồ sơ cần bạn lưu ý", "27 10:00"),  # six teachers late at once: one grouped message
        ("Hồ sơ chưa nộp, quá hạn 1 ngày", "27 17:00"),  # o1
        ("Hồ sơ chưa nộp, quá hạn 1 ngày", "30 11:00"),  # o3 at its new due time; o2 was submitted
    ])
    head = [(title, at) for who, title, at in landed if who == "ht.minh"]
    assert head == sorted([("6 hồ sơ cần bạn lưu ý", "28 10:00"), ("Hồ sơ chưa nộp, quá hạn 2 ngày", "28 17:00")])
    assert not [x for x in landed if x[0] == "pgd.tra"], "nobody gets a digest they did not opt in to"


def test_what_people_read_and_when_a_night_deadline_is_handed_over(week):
    c, feed, clock, _ = week
    _run_week(c, feed, clock)
    first = NotificationDoc.objects(recipient="gv.lan").order_by("created_at").first()
    assert first.body == "Kính gửi Nguyễn Thị Lan: «Kế hoạch bài dạy» tuần 13, từ 24/11 — còn 2 ngày (hạn 17:00 ngày 26/11)."
    assert first.link == "/viec-cua-toi"
    late = NotificationDoc.objects(recipient="gv.lan", title="Hồ sơ quá hạn 1 ngày").get()
    assert "quá hạn 1 ngày" in late.body and late.kind == "overdue"
    escalation = NotificationDoc.objects(recipient="tt.hoa", title="Hồ sơ chưa nộp, quá hạn 1 ngày").first()
    assert escalation.link == "/truong/tien-do" and escalation.kind == "escalation"
    grouped = NotificationDoc.objects(recipient="tt.hoa", title="6 hồ sơ cần bạn lưu ý").get()
    assert grouped.body.splitlines() == [
        f"• người phụ trách (tài khoản gv{n}) chưa nộp «Sổ chủ nhiệm» tháng 11/2025, quá hạn 1 ngày." for n in range(4, 10)]
    [(handed_at, night)] = [(at, n) for at, n in c.dispatcher.handed if n.key == "reminder:o2:due:2025-11-27T16:00:00+00:00"]
    assert handed_at == night.not_before == vn(27, 23), "handed over at the stage time; push channels wait for 06:30"
    # the e-mails: each reminder once, in the day; the one due at 23:00 held to the next morning's 06:30
    assert [(at, subject) for at, to, subject in c.mail.sent if to == "binh@hoaphong.edu.vn"] == [
        (vn(25, 7), "[HoSo] Nhắc nộp hồ sơ: còn 2 ngày (hạn 23:00 ngày 27/11)"),
        (vn(27, 7), "[HoSo] Nhắc nộp hồ sơ: hạn chót hôm nay, lúc 23:00"),
        (vn(28, 6, 30), "[HoSo] Hồ sơ đã hết hạn"),
    ]


def _token(tokens, sub: str, **kw: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + tokens.issue(sub, **kw)}


def test_opted_in_principal_and_inspector_get_their_digests_on_time(week, tokens):
    c, feed, clock, client = week
    feed.items.clear()
    head = _token(tokens, "ht.minh", tenant=SCHOOL, district=DISTRICT, roles=["hieu_truong"])
    inspector = _token(tokens, "pgd.tra", district=DISTRICT, roles=["chuyen_vien"])
    assert client.put("/api/v1/digests", json={"daily": True}, headers=head).get_json() == {"daily": True, "weekly": False}
    assert client.put("/api/v1/digests", json={"weekly": True}, headers=inspector).status_code == 200
    _run_week(c, feed, clock)
    landed = _landed()
    assert [(who, at) for who, _, at in landed if who == "ht.minh"] == [(
        "ht.minh", f"{d} 07:00") for d in range(24, 31)]
    assert [(title, at) for who, title, at in landed if who == "pgd.tra"] == [
        ("Tiến độ tuần của Trường THCS Nguyễn Huệ", "24 07:00"), ("Tiến độ tuần của Trường Tiểu học Hòa Phong", "24 07:00")]
    daily = NotificationDoc.objects(recipient="ht.minh").first()
    assert daily.body == ("Trường Tiểu học Hòa Phong, tháng 11/2025: phải nộp 40, đúng hạn 30, nộp trễ 3, chưa nộp 7, "
                          "chờ duyệt 2.")


def test_a_policy_changed_mid_week_tells_nobody_twice(week):
    c, feed, clock, _ = week
    for oid in [k for k in feed.items if k != "o1"]:
        del feed.items[oid]
    while clock.now() <= vn(27, 23, 45):
        if clock.now() == vn(24, 8):  # the principal adds a reminder three days before: the offsets renumber
            feed.items["o1"]["policy"] = {**POLICY, "before": [{"days_before": 3, "at": "07:00"}, *POLICY["before"]]}
        for _, job in c.periodic():
            job()
        clock.advance(minutes=15)
    assert [(title, at) for who, title, at in _landed() if who == "gv.lan"] == sorted([
        ("Nhắc nộp hồ sơ: còn 2 ngày (hạn 17:00 ngày 26/11)", "24 07:00"),
        ("Nhắc nộp hồ sơ: hạn chót hôm nay, lúc 17:00", "26 07:00"),
        ("Hồ sơ đã hết hạn", "26 17:00"), ("Hồ sơ quá hạn 1 ngày", "27 17:00")])
