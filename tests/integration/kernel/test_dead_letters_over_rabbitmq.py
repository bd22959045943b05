"""Over the real RabbitMQ: a malformed event reaches ``hoso.dlx`` after one delivery, with its reason kept;
a handler's failure is retried through the broker before it goes there."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import kombu
import pytest

from services.kernel.events import DEAD_LETTER_EXCHANGE, Event, EventData, declare
from services.kernel.messaging import (ConsumerWorker, IdempotentConsumer, KombuPublisher, consumer_queue,
                                       declare_queues, events_exchange)
from services.kernel.mongo import connect_database

pytestmark = pytest.mark.integration


class HocBaRecalled(EventData):
    student: str


class Broker:
    def __init__(self, amqp_url: str) -> None:
        self.url = amqp_url
        self.routing = f"signing.hocba{uuid.uuid4().hex[:6]}.recalled"
        self.spec = declare(self.routing, HocBaRecalled)
        self.db = connect_database(alias="kernel-dead-it", db_name=f"dead_it_{uuid.uuid4().hex[:6]}", uri=None)
        self.queue = consumer_queue(f"test.dead.{uuid.uuid4().hex[:8]}", [self.routing], quorum=False)
        dlx = kombu.Exchange(DEAD_LETTER_EXCHANGE, type="topic", durable=True)
        self.parked = kombu.Queue(f"test.parked.{uuid.uuid4().hex[:8]}", exchange=dlx, routing_key=self.routing,
                                  durable=False, auto_delete=False)
        declare_queues(amqp_url, [self.queue, self.parked])
        self.calls: list[str] = []
        self.fail = False
        self.consumer = IdempotentConsumer(name=self.queue.name, handler=self.handle, processed=self.db["processed"],
                                           dead_letters=self.db["dead"], max_retries=3, bindings=[self.routing])
        self.worker = ConsumerWorker(url=amqp_url, queue=self.queue, consumer=self.consumer)

    def handle(self, event: Event) -> None:
        self.calls.append(event.data["student"])
        if self.fail:
            raise ConnectionError("the database did not answer")

    def publish_raw(self, body: dict[str, Any]) -> None:
        with kombu.Connection(self.url) as conn, conn.Producer(serializer="json") as producer:
            producer.publish(body, exchange=events_exchange(), routing_key=self.routing, delivery_mode=2)

    def drain_until_quiet(self) -> None:
        quiet = 0
        while quiet < 2:
            quiet = 0 if self.worker.drain(timeout=0.3) else quiet + 1

    def parked_messages(self) -> list[dict[str, Any]]:
        out = []
        with kombu.Connection(self.url) as conn:
            simple = conn.SimpleQueue(self.parked)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                try:
                    message = simple.get(timeout=0.3)
                except simple.Empty:
                    if out:
                        break
                    continue
                out.append(message.payload)
                message.ack()
            simple.close()
        return out

    def close(self) -> None:
        with kombu.Connection(self.url) as conn:
            channel = conn.channel()
            self.queue(channel).delete()
            self.parked(channel).delete()


@pytest.fixture
def broker(amqp_url: str) -> Iterator[Broker]:
    b = Broker(amqp_url)
    yield b
    b.close()


def test_an_event_with_invalid_data_goes_to_the_dead_letter_exchange_after_one_delivery(broker: Broker) -> None:
    good = broker.spec.event({"student": "Trần Minh Khôi"}, tenant="th-hoa-phong")
    bad = {**good.to_dict(), "id": "bad-1", "data": {"student": ["Trần Minh Khôi"]}}
    broker.publish_raw(bad)
    KombuPublisher(url=broker.url).publish_many([good])
    broker.drain_until_quiet()
    assert broker.calls == ["Trần Minh Khôi"]  # the handler never saw the bad one; the good one went through
    [parked] = broker.parked_messages()
    assert parked["id"] == "bad-1"
    [dead] = list(broker.db["dead"].find({}, {"_id": 0}))
    assert (dead["reason"], dead["tenant"], dead["attempts"], dead["type"]) == (
        "invalid_data", "th-hoa-phong", 1, broker.routing)


def test_a_failing_handler_is_retried_through_the_broker_then_dead_lettered(broker: Broker) -> None:
    broker.fail = True
    KombuPublisher(url=broker.url).publish_many([broker.spec.event({"student": "Lê Thu Hà"}, tenant="thcs-nam-son")])
    broker.drain_until_quiet()
    assert broker.calls == ["Lê Thu Hà"] * 3
    [dead] = list(broker.db["dead"].find({}, {"_id": 0}))
    assert (dead["reason"], dead["attempts"], dead["tenant"]) == ("retries_exhausted", 3, "thcs-nam-son")
