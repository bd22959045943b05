"""A message no retry can help is dead-lettered at once, with its reason and tenant; a handler's failure is retried.

Driven through ``ConsumerWorker`` over kombu's in-memory transport (the all-in-one mode's broker):
the message goes in as a producer would publish it and the worker decides what becomes of it.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import kombu
import pytest

from services.kernel.events import Event, EventData, declare
from services.kernel.messaging import ConsumerWorker, IdempotentConsumer, RETRY_HEADER, consumer_queue, declare_queues
from services.kernel.mongo import connect_database


class LessonChecked(EventData):
    title: str
    teacher: str


CHECKED = declare("documents.lessoncheck.checked", LessonChecked)
URL = "memory://"


class Setup:
    def __init__(self) -> None:
        self.db = connect_database(alias="kernel-dead-letters", db_name="dead_letters_unit", uri=None)
        self.queue = consumer_queue(f"test.dead.{uuid.uuid4().hex[:8]}", [CHECKED.type], quorum=False)
        declare_queues(URL, [self.queue])
        self.seen: list[str] = []
        self.failures_left = 0
        self.consumer = IdempotentConsumer(name=self.queue.name, handler=self.handle, processed=self.db["processed"],
                                           dead_letters=self.db["dead"], max_retries=3, bindings=[CHECKED.type])
        self.worker = ConsumerWorker(url=URL, queue=self.queue, consumer=self.consumer)

    def handle(self, event: Event) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("the database did not answer")
        self.seen.append(event.data["title"])

    def publish(self, body: Any, *, serializer: str | None = "json", content_type: str | None = None) -> None:
        with kombu.Connection(URL) as conn, conn.Producer() as producer:
            extra = {"content_type": content_type, "content_encoding": "utf-8"} if content_type else {"serializer": serializer}
            producer.publish(body, exchange="", routing_key=self.queue.name, **extra)

    def drain(self) -> None:
        for _ in range(6):
            if not self.worker.drain(timeout=0.05):
                return

    def dead(self) -> list[dict[str, Any]]:
        return list(self.db["dead"].find({"consumer": self.consumer.name}, {"_id": 0}))


@pytest.fixture
def setup() -> Iterator[Setup]:
    s = Setup()
    yield s
    with kombu.Connection(URL) as conn:
        s.queue(conn.channel()).delete()


def envelope(**overrides: Any) -> dict[str, Any]:
    event = CHECKED.event({"title": "Kế hoạch bài dạy – Tuần 13", "teacher": "Nguyễn Thị Lan"}, tenant="th-hoa-phong")
    return {**event.to_dict(), **overrides}


def test_a_well_formed_event_is_handled_once(setup: Setup) -> None:
    setup.publish(envelope())
    setup.drain()
    assert setup.seen == ["Kế hoạch bài dạy – Tuần 13"]
    assert setup.dead() == []


@pytest.mark.parametrize(("overrides", "reason", "says"), [
    ({"type": "documents.lessoncheck.vanished"}, "undeclared_type", "not declared"),
    ({"version": 2}, "unsupported_version", "version 2 is not supported"),
    ({"data": {"title": "Kế hoạch bài dạy – Tuần 13"}}, "invalid_data", "teacher"),
    ({"data": {"title": 13, "teacher": ["Nguyễn Thị Lan"]}}, "invalid_data", "title"),
])
def test_a_message_no_retry_can_help_is_dead_lettered_at_once_with_its_reason_and_tenant(
        setup: Setup, overrides: dict[str, Any], reason: str, says: str) -> None:
    setup.publish(envelope(**overrides))
    setup.publish(envelope())  # the consumer goes on with the next message
    setup.drain()
    [dead] = setup.dead()
    assert (dead["reason"], dead["tenant"], dead["attempts"]) == (reason, "th-hoa-phong", 1)
    assert says in dead["error"]
    assert dead["event"]["data"] == envelope(**overrides)["data"]
    assert setup.seen == ["Kế hoạch bài dạy – Tuần 13"]


def test_a_body_that_is_no_envelope_is_dead_lettered_without_a_tenant(setup: Setup) -> None:
    setup.publish(["not", "an", "envelope"])
    setup.publish({"type": CHECKED.type, "data": {}})  # no id
    setup.publish(b"{not json", content_type="application/json")
    setup.publish(envelope())
    setup.drain()
    dead = setup.dead()
    assert [d["reason"] for d in dead] == ["malformed", "malformed", "malformed"]
    assert [d["tenant"] for d in dead] == [None, None, None]
    assert "{not json" in dead[2]["event"]["raw"]
    assert setup.seen == ["Kế hoạch bài dạy – Tuần 13"]


def test_a_handler_failure_is_retried_and_then_succeeds(setup: Setup) -> None:
    setup.failures_left = 2
    setup.publish(envelope())
    setup.drain()
    assert setup.seen == ["Kế hoạch bài dạy – Tuần 13"]
    assert setup.dead() == []


def test_a_handler_failing_every_time_is_dead_lettered_after_its_retries(setup: Setup) -> None:
    setup.failures_left = 99
    setup.publish(envelope())
    setup.drain()
    [dead] = setup.dead()
    assert (dead["reason"], dead["attempts"], dead["tenant"]) == ("retries_exhausted", 3, "th-hoa-phong")
    assert "the database did not answer" in dead["error"]
    assert setup.failures_left == 96


def test_an_unreadable_retry_header_counts_as_a_first_attempt(setup: Setup) -> None:
    with kombu.Connection(URL) as conn, conn.Producer(serializer="json") as producer:
        producer.publish(envelope(version=7), exchange="", routing_key=setup.queue.name, headers={RETRY_HEADER: "x"})
    setup.drain()
    [dead] = setup.dead()
    assert (dead["reason"], dead["attempts"]) == ("unsupported_version", 1)
