"""A teacher's submission and its return, from approvals through the real RabbitMQ to the inbox and a real SMTP server.

Identity's events (the school, its people with their e-mail addresses, their roles) go through the
broker first; approvals' own events leave its outbox through the relay (publisher confirms); the
notifications consumer reads its queue with manual acks. The tổ trưởng gets exactly one inbox item
and one e-mail for the submission, the teacher one for the return, also when the consumer dies in
the middle of handling (after the inbox write and the e-mail, before the ack) and is started again:
the broker redelivers the unacked message and the (recipient, key) idempotency holds.
"""
from __future__ import annotations

import email
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from typing import Any

import kombu
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from infra.allinone import free_port
from infra.demo.district import DEMO_DISTRICT
from services.approvals.adapters.documents_service import FakeDocuments
from services.approvals.bootstrap import bootstrap as approvals_bootstrap
from services.approvals.domain.calendar import TIMEZONE, Holiday, SchoolYearFrame
from services.identity.events import MEMBERSHIP_GRANTED, PERSON_CREATED, SCHOOL_ONBOARDED
from services.kernel.clock import FixedClock
from services.kernel.messaging import ConsumerWorker, KombuPublisher, declare_queues
from services.kernel.principal import Principal
from services.kernel.tenancy import TenantScope
from services.notifications.adapters.inbox import NotificationDoc
from services.notifications.bootstrap import bootstrap as notifications_bootstrap

pytestmark = pytest.mark.integration

SCHOOL = next(s for s in DEMO_DISTRICT.schools if s.slug == "th-hoa-phong")
PEOPLE = {p.username: p for p in SCHOOL.people}
TEACHER, HEAD = PEOPLE["thhp.giaovien"], PEOPLE["thhp.totruong"]
FRAME = SchoolYearFrame("2025-2026", datetime(2025, 9, 5).date(), datetime(2026, 1, 10).date(),
                        datetime(2026, 5, 31).date(),
                        (Holiday("Tết", datetime(2026, 2, 14).date(), datetime(2026, 2, 22).date()),))
DIGEST = hashlib.sha256(b"ke-hoach-tuan-2").hexdigest()


class Collect(Message):
    """What the SMTP server received, as parsed e-mails."""

    def __init__(self) -> None:
        super().__init__(message_class=lambda: email.message.EmailMessage(policy=policy.default))
        self.messages: list[email.message.EmailMessage] = []

    def handle_message(self, message: email.message.EmailMessage) -> None:
        self.messages.append(message)

    def to(self, address: str) -> list[str]:
        return [m["Subject"] for m in self.messages if m["To"] == address]


class Crash(BaseException):
    """The consumer process dying: nothing in the kernel catches it, so nothing is acked."""


@dataclass
class Platform:
    approvals: Any
    notifications: Any
    smtp: Collect
    identity_worker: ConsumerWorker
    inbox_worker: ConsumerWorker
    url: str

    def teacher(self) -> Principal:
        return Principal(sub=TEACHER.username, tenant=SCHOOL.slug, district="pgd-hoa-vang",
                         roles=frozenset({"giao_vien"}), unit_roles=frozenset({("giao_vien", f"{SCHOOL.slug}/to-4")}))

    def head(self) -> Principal:
        return Principal(sub=HEAD.username, tenant=SCHOOL.slug, district="pgd-hoa-vang",
                         roles=frozenset({"to_truong", "giao_vien"}),
                         unit_roles=frozenset({("to_truong", f"{SCHOOL.slug}/to-4"), ("giao_vien", f"{SCHOOL.slug}/to-4")}))

    def submit(self) -> str:
        ob = self.approvals.obligations.mine(TEACHER.username, TenantScope.for_principal(self.teacher()), "2025-2026")[0][1]
        sub = self.approvals.submissions.create(self.teacher(), obligation_id=ob.id, document_id="kh-2",
                                                version_id="v1", sha256=DIGEST)
        self.approvals.relay.relay_once()
        return sub["id"]

    def give_back(self, submission_id: str) -> None:
        self.approvals.submissions.decide(self.head(), submission_id, decision="return",
                                          comment="Bổ sung mục tiêu bài học.")
        self.approvals.relay.relay_once()

    def drain_inbox(self) -> None:
        """Handle what the broker holds, then run the delivery job once (e-mail goes out from there)."""
        while self.inbox_worker.drain(timeout=1.0):
            continue
        self.notifications.dispatcher.deliver_due()


def inbox(person: str, kind: str) -> list[NotificationDoc]:
    return list(NotificationDoc.objects(recipient=person, kind=kind))


@pytest.fixture
def platform(amqp_url: str) -> Iterator[Platform]:
    smtp = Collect()
    port = free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=port)
    controller.start()
    clock = FixedClock(datetime(2025, 9, 10, 8, 0, tzinfo=TIMEZONE))
    documents = FakeDocuments()
    documents.add(SCHOOL.slug, "kh-2", "v1", DIGEST, owners={TEACHER.username})
    approvals = approvals_bootstrap({"mode": "test", "db_name": "hoso_approvals_notify_it"},
                                    environ={"AMQP_URL": amqp_url}, clock=clock, documents=documents)
    notifications = notifications_bootstrap({"mode": "test", "db_name": "hoso_notifications_it", "smtp_host": "127.0.0.1",
                                             "smtp_port": port}, environ={"AMQP_URL": amqp_url}, clock=clock)
    identity_worker = approvals.workers()[0]
    inbox_worker, people_worker = notifications.workers()
    declare_queues(amqp_url, [identity_worker.queue, inbox_worker.queue, people_worker.queue])
    with kombu.Connection(amqp_url) as conn:
        for q in (identity_worker.queue, inbox_worker.queue, people_worker.queue):
            q(conn.channel()).purge()
    approvals.setup.publish_frame(Principal(sub="pgd.truongphong", district="pgd-hoa-vang",
                                            roles=frozenset({"truong_phong"})), FRAME)
    p = Platform(approvals, notifications, smtp, identity_worker, inbox_worker, amqp_url)
    identity = KombuPublisher(url=amqp_url)
    identity.publish_many(identity_events())
    identity.close()
    identity_worker.drain(timeout=2.0)
    while people_worker.drain(timeout=1.0):  # who is who (names, e-mail addresses)
        continue
    p.drain_inbox()
    try:
        yield p
    finally:
        controller.stop()
        approvals.runtime.publisher.close()


def identity_events() -> list:
    """What identity publishes when the school, its teacher and its tổ trưởng are set up."""
    at, scope = "2025-08-01T00:00:00+07:00", {"tenant": SCHOOL.slug, "district": "pgd-hoa-vang"}
    units = [{"id": f"{SCHOOL.slug}/{u.slug}", "slug": u.slug, "name": u.name, "kind": u.kind} for u in SCHOOL.units]
    events = [SCHOOL_ONBOARDED.event({
        "school_id": SCHOOL.slug, "slug": SCHOOL.slug, "name": SCHOOL.name, "levels": ["tieu_hoc"],
        "district_id": "pgd-hoa-vang", "province_id": "so-da-nang", "units": units,
        "principal_id": "thhp.hieutruong"}, occurred_at=at, **scope)]
    for person in (TEACHER, HEAD):
        events.append(PERSON_CREATED.event({"person": person.username, "full_name": person.full_name,
                                            "email": person.email, "school": SCHOOL.slug}, occurred_at=at, **scope))
    for person, role in ((TEACHER.username, "giao_vien"), (HEAD.username, "giao_vien"), (HEAD.username, "to_truong")):
        events.append(MEMBERSHIP_GRANTED.event({"membership": f"{person}:{role}", "person": person,
                                                "school": SCHOOL.slug, "role": role, "unit": f"{SCHOOL.slug}/to-4"},
                                               occurred_at=at, **scope))
    return events


def crash_once_after_delivering(platform: Platform, monkeypatch: pytest.MonkeyPatch,
                                handed: list[str]) -> list[int]:
    """The consumer dies right after the inbox write and the e-mail of its first notice, before the ack.

    ``handed`` gets the key of every notice handed to the dispatcher (to see the redelivery happen).
    """
    deliver = platform.notifications.dispatcher.dispatch
    crashes: list[int] = []

    def then_die(notices):
        notices = list(notices)
        handed.extend(n.key for n in notices if n.kind.value in ("submission_waiting", "returned"))
        created = deliver(notices)
        if created and not crashes:
            crashes.append(created)
            raise Crash()
        return created

    monkeypatch.setattr(platform.notifications.dispatcher, "dispatch", then_die)
    return crashes


def test_a_submission_tells_the_to_truong_once_in_the_inbox_and_by_mail_and_a_return_the_teacher(platform):
    sid = platform.submit()
    platform.drain_inbox()
    [waiting] = inbox(HEAD.username, "submission_waiting")
    assert waiting.title == f"Chờ bạn duyệt: Kế hoạch bài dạy của {TEACHER.full_name}"
    assert waiting.body.startswith(f"{TEACHER.full_name} đã nộp Kế hoạch bài dạy tuần 2, từ 15/09")
    assert waiting.link == f"/bai-nop/{sid}"
    assert platform.smtp.to(HEAD.email).count(f"[HoSo] {waiting.title}") == 1

    platform.give_back(sid)
    platform.drain_inbox()
    [back] = inbox(TEACHER.username, "returned")
    assert "Góp ý: «Bổ sung mục tiêu bài học.»" in back.body and back.body.startswith(HEAD.full_name)
    assert platform.smtp.to(TEACHER.email).count("[HoSo] Hồ sơ bị trả lại: Kế hoạch bài dạy") == 1
    assert len(inbox(HEAD.username, "submission_waiting")) == 1


def test_a_consumer_killed_before_its_ack_and_started_again_still_tells_each_person_once(platform, monkeypatch):
    handed: list[str] = []
    crashes = crash_once_after_delivering(platform, monkeypatch, handed)
    sid = platform.submit()
    with pytest.raises(Crash):
        platform.drain_inbox()
    assert crashes == [1] and len(inbox(HEAD.username, "submission_waiting")) == 1 and len(handed) == 1
    platform.inbox_worker = platform.notifications.workers()[0]  # the consumer started again
    platform.drain_inbox()  # the broker hands the unacked submission over again
    assert handed == handed[:1] * 2  # the same notice handed over twice...
    assert len(inbox(HEAD.username, "submission_waiting")) == 1  # ...and in the inbox once
    [waiting] = inbox(HEAD.username, "submission_waiting")
    assert platform.smtp.to(HEAD.email).count(f"[HoSo] {waiting.title}") == 1  # one e-mail, also after the crash

    crashes.clear()
    platform.give_back(sid)
    with pytest.raises(Crash):
        platform.drain_inbox()
    platform.inbox_worker = platform.notifications.workers()[0]
    platform.drain_inbox()
    assert len(handed) == 4 and handed[2] == handed[3]
    assert len(inbox(TEACHER.username, "returned")) == 1
    assert platform.smtp.to(TEACHER.email).count("[HoSo] Hồ sơ bị trả lại: Kế hoạch bài dạy") == 1
