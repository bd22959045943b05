"""Events written with a state change reach a consumer exactly once over the real RabbitMQ,
also when the broker cannot be reached at write time and is reached again later."""
from __future__ import annotations

import uuid
from typing import Any, ClassVar

import kombu
import pytest
from mongoengine import StringField

from services.kernel.events import Event, EventData, declare, declared
from services.kernel.messaging import ConsumerWorker, IdempotentConsumer, KombuPublisher, consumer_queue, declare_queues
from services.kernel.mongo import connect_database
from services.kernel.outbox import OutboxMixin, OutboxRelay

pytestmark = pytest.mark.integration


class LessonUploaded(EventData):
    title: str


class Lesson(OutboxMixin):
    meta: ClassVar[dict[str, Any]] = {"db_alias": "kernel-outbox", "collection": "lessons"}
    id = StringField(primary_key=True)
    title = StringField()


@pytest.fixture
def setup(amqp_url):
    db = connect_database(alias="kernel-outbox", db_name="outbox_it", uri=None)
    name = f"test.kernel.{uuid.uuid4().hex[:8]}"
    routing = f"documents.lesson{uuid.uuid4().hex[:6]}.uploaded"
    declare(routing, LessonUploaded)  # a test event, declared like any service's
    queue = consumer_queue(name, [routing], quorum=False)
    declare_queues(amqp_url, [queue])
    seen: list[str] = []
    consumer = IdempotentConsumer(name=name, handler=lambda e: seen.append(e.data["title"]), processed=db["processed"], dead_letters=db["dead"], max_retries=2)
    worker = ConsumerWorker(url=amqp_url, queue=queue, consumer=consumer)
    yield db, routing, worker, seen, consumer, queue
    with kombu.Connection(amqp_url) as conn:
        queue(conn.channel()).delete()


def _save_with_event(routing: str, title: str) -> Lesson:
    lesson = Lesson(id=uuid.uuid4().hex, title=title)
    lesson.record_event(declared(routing).event({"title": title}, tenant="th-hoa-phong"))
    lesson.save()
    return lesson


def test_event_arrives_exactly_once(setup, amqp_url):
    db, routing, worker, seen, *_ = setup
    _save_with_event(routing, "Kế hoạch bài dạy tuần 1")
    relay = OutboxRelay(collections=[Lesson._get_collection()], publisher=KombuPublisher(url=amqp_url))
    assert relay.relay_once() == 1
    assert relay.relay_once() == 0  # nothing left pending
    worker.drain(timeout=1.0)
    assert seen == ["Kế hoạch bài dạy tuần 1"]
    assert Lesson.objects(outbox_pending=True).count() == 0


def test_redelivered_event_is_processed_once(setup, amqp_url):
    db, routing, worker, seen, *_ = setup
    lesson = _save_with_event(routing, "Sổ chủ nhiệm tháng 9")
    event = Event.from_dict(Lesson._get_collection().find_one({"_id": lesson.id})["outbox"][0])
    publisher = KombuPublisher(url=amqp_url)
    publisher.publish_many([event])  # relay crashed after publishing, before marking sent...
    OutboxRelay(collections=[Lesson._get_collection()], publisher=publisher).relay_once()  # ...so it is sent again
    worker.drain(timeout=1.0)
    assert seen == ["Sổ chủ nhiệm tháng 9"]


def test_broker_down_at_write_time_then_back(setup, amqp_url):
    db, routing, worker, seen, *_ = setup
    _save_with_event(routing, "Học bạ lớp 4A")
    dead_broker = KombuPublisher(url="amqp://guest:guest@127.0.0.1:1//", connect_timeout=0.5)
    with pytest.raises(Exception):
        OutboxRelay(collections=[Lesson._get_collection()], publisher=dead_broker).relay_once()
    assert Lesson.objects(outbox_pending=True).count() == 1  # kept, not lost
    assert OutboxRelay(collections=[Lesson._get_collection()], publisher=KombuPublisher(url=amqp_url)).relay_once() == 1
    worker.drain(timeout=1.0)
    assert seen == ["Học bạ lớp 4A"]


def test_failing_handler_is_retried_then_dead_lettered(setup, amqp_url):
    db, routing, worker, seen, consumer, queue = setup
    attempts: list[int] = []

    def broken(event: Event) -> None:
        attempts.append(1)
        raise ValueError("cannot handle")

    consumer._handler = broken
    _save_with_event(routing, "Sổ đăng bộ")
    OutboxRelay(collections=[Lesson._get_collection()], publisher=KombuPublisher(url=amqp_url)).relay_once()
    for _ in range(3):
        worker.drain(timeout=0.5)
    assert len(attempts) == 2
    dead = db["dead"].find_one({"consumer": consumer.name})
    assert dead is not None and dead["event"]["data"]["title"] == "Sổ đăng bộ"
