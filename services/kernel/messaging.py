"""Publishing and consuming events with kombu.

``AMQP_URL`` unset means kombu's in-memory transport (all-in-one mode, one process).
With RabbitMQ, publishing waits for publisher confirms; consumer queues dead-letter to
``hoso.dlx`` after ``max_retries`` failed attempts. The broker topology is declared
idempotently by ``infra.topology`` (pika); consumers declare the same queue arguments.
"""
from __future__ import annotations

import contextlib

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar

import kombu
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from .events import DEAD_LETTER_EXCHANGE, EXCHANGE, Event, EventSpec, declared, validate

log = logging.getLogger(__name__)

RETRY_HEADER = "x-hoso-attempt"


def broker_url(amqp_url: str | None) -> str:
    return amqp_url or "memory://"


def events_exchange() -> kombu.Exchange:
    return kombu.Exchange(EXCHANGE, type="topic", durable=True)


def consumer_queue(name: str, bindings: Sequence[str], *, quorum: bool) -> kombu.Queue:
    """The queue of one consumer, with the arguments ``infra.topology`` declares too."""
    args: dict[str, Any] = {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE}
    if quorum:
        args["x-queue-type"] = "quorum"
    exchange = events_exchange()
    return kombu.Queue(
        name,
        exchange=exchange,
        bindings=[kombu.binding(exchange, routing_key=rk) for rk in bindings],
        durable=True,
        queue_arguments=args,
    )


#: A handler takes the envelope and the typed view of its declared data (``EventSpec.read``).
Handler = Callable[[Event, Any], None]
#: A service's table of what it does on each event type it consumes (cosmicpython's ``EVENT_HANDLERS``).
HandlerTable = Mapping[str, Handler]


H = TypeVar("H", bound=Callable[..., Any])


def reads(spec: EventSpec[Any], *fields: str) -> Callable[[H], H]:
    """Mark a handler as reading ``fields`` of ``spec``'s data (checked by the event contract test)."""

    def mark(handler: H) -> H:
        handler.__dict__.setdefault("event_reads", {})[spec.type] = frozenset(fields)
        return handler

    return mark


def reads_of(handler: Handler) -> dict[str, frozenset[str]]:
    """What a handler said it reads, by event type (empty when it said nothing)."""
    return dict(getattr(getattr(handler, "__func__", handler), "event_reads", {}))


class Dispatcher:
    """Runs the handler of an event's type with the typed view of its data; the one dispatch shape."""

    def __init__(self, handlers: HandlerTable) -> None:
        self.handlers = dict(handlers)

    @property
    def bindings(self) -> tuple[str, ...]:
        """The event types the table handles: exactly the routing keys its queue binds."""
        return tuple(self.handlers)

    def __call__(self, event: Event) -> None:
        handler = self.handlers.get(event.type)
        if handler is None:  # a binding left over on the broker: nothing here wants it
            log.info("no handler for %s; ignored", event.type)
            return
        handler(event, declared(event.type).read(event))


class Publisher(Protocol):
    def publish_many(self, events: Sequence[Event]) -> None:
        """Publish all ``events``; return only once the broker has confirmed them."""


class InMemoryPublisher:
    """A fake publisher for unit tests: keeps what was published, refusing undeclared events."""

    def __init__(self) -> None:
        self.published: list[Event] = []

    def publish_many(self, events: Sequence[Event]) -> None:
        for event in events:
            validate(event)
        self.published.extend(events)

    def types(self) -> list[str]:
        return [e.type for e in self.published]


class KombuPublisher:
    """Publishes persistent JSON messages to ``hoso.events`` with publisher confirms."""

    def __init__(self, *, url: str | None, connect_timeout: float = 5.0) -> None:
        self._url = broker_url(url)
        self._timeout = connect_timeout
        self._local = threading.local()

    def _connection(self) -> kombu.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = kombu.Connection(self._url, connect_timeout=self._timeout, transport_options={"confirm_publish": True})
            self._local.conn = conn
        return conn

    def publish_many(self, events: Sequence[Event]) -> None:
        conn = self._connection()
        try:
            conn.ensure_connection(max_retries=1, timeout=self._timeout)
            exchange = events_exchange()
            with conn.Producer(serializer="json") as producer:
                for ev in events:
                    producer.publish(
                        ev.to_dict(),
                        exchange=exchange,
                        routing_key=ev.routing_key,
                        declare=[exchange],
                        delivery_mode=2,
                        message_id=ev.id,
                        retry=False,
                    )
        except Exception:
            self._local.conn = None
            with contextlib.suppress(Exception):  # the connection is already broken; publishing has failed anyway
                conn.release()
            raise

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.release()
            self._local.conn = None


class IdempotentConsumer:
    """Runs ``handler`` at most once per event id; failures are retried then dead-lettered."""

    def __init__(
        self,
        *,
        name: str,
        handler: Callable[[Event], None],
        processed: Collection,
        dead_letters: Collection,
        max_retries: int = 5,
        bindings: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.bindings = tuple(bindings)
        self._handler = handler
        self._processed = processed
        self._dead = dead_letters
        self.max_retries = max_retries
        self._processed.create_index([("consumer", 1), ("event_id", 1)], unique=True)

    @property
    def table(self) -> HandlerTable:
        """The handler table it dispatches through (empty for a bare handler)."""
        return getattr(self._handler, "handlers", {})

    def already_processed(self, event_id: str) -> bool:
        return self._processed.find_one({"consumer": self.name, "event_id": event_id}, {"_id": 1}) is not None

    def handle(self, event: Event) -> bool:
        """Process ``event`` unless seen before; True when the handler ran now."""
        if self.already_processed(event.id):
            return False
        self._handler(event)
        with contextlib.suppress(DuplicateKeyError):  # a concurrent delivery recorded it first
            self._processed.insert_one(
                {"consumer": self.name, "event_id": event.id, "type": event.type, "at": datetime.now(timezone.utc)}
            )
        return True

    def dead_letter(self, payload: dict[str, Any], error: str) -> None:
        self._dead.insert_one(
            {"consumer": self.name, "event": payload, "error": error[:2000], "at": datetime.now(timezone.utc)}
        )


class ConsumerWorker:
    """Feeds messages of one queue to an ``IdempotentConsumer``, acking after the handler commits."""

    def __init__(self, *, url: str | None, queue: kombu.Queue, consumer: IdempotentConsumer) -> None:
        self._url = broker_url(url)
        self._queue = queue
        self._consumer = consumer

    @property
    def queue(self) -> kombu.Queue:
        return self._queue

    def _on_message(self, conn: kombu.Connection) -> Callable[[Any, kombu.Message], None]:
        def on_message(body: Any, message: kombu.Message) -> None:
            attempt = int((message.headers or {}).get(RETRY_HEADER, 1))
            try:
                self._consumer.handle(Event.from_dict(body))
            except Exception as exc:  # the handler's failure: retry, then dead-letter
                log.warning("consumer %s failed on attempt %d", self._consumer.name, attempt, exc_info=True)
                if attempt >= self._consumer.max_retries:
                    self._consumer.dead_letter(body if isinstance(body, dict) else {"raw": str(body)}, repr(exc))
                    message.reject(requeue=False)
                    return
                with conn.Producer(serializer="json") as producer:
                    producer.publish(
                        body,
                        exchange="",
                        routing_key=self._queue.name,
                        headers={RETRY_HEADER: attempt + 1},
                        delivery_mode=2,
                        retry=False,
                    )
                message.ack()
                return
            message.ack()

        return on_message

    def drain(self, *, timeout: float = 0.2, limit: int | None = None) -> int:
        """Process what is waiting (up to ``limit``) and return; for tests and the all-in-one loop."""
        handled = 0
        with kombu.Connection(self._url) as conn:
            callback = self._on_message(conn)
            with conn.Consumer(self._queue, callbacks=[lambda b, m: callback(b, m)], accept=["json"], prefetch_count=50):
                while limit is None or handled < limit:
                    try:
                        conn.drain_events(timeout=timeout)
                    except TimeoutError:
                        break
                    except OSError:
                        break
                    handled += 1
        return handled

    def run(self, stop: threading.Event, *, poll: float = 1.0) -> None:
        """Consume until ``stop`` is set, reconnecting after broker outages."""
        while not stop.is_set():
            try:
                with kombu.Connection(self._url, heartbeat=30) as conn:
                    conn.ensure_connection(max_retries=3)
                    callback = self._on_message(conn)
                    with conn.Consumer(self._queue, callbacks=[lambda b, m: callback(b, m)], accept=["json"], prefetch_count=50):
                        while not stop.is_set():
                            try:
                                conn.drain_events(timeout=poll)
                            except TimeoutError:
                                conn.heartbeat_check()
            except Exception:
                log.warning("consumer %s lost the broker; reconnecting", self._consumer.name, exc_info=True)
                stop.wait(1.0)


def broker_check(url: str | None, *, timeout: float = 3.0) -> Callable[[], None]:
    """A readiness check that opens (and closes) a broker connection."""

    def check() -> None:
        with kombu.Connection(broker_url(url), connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)

    return check


def declare_queues(url: str | None, queues: Iterable[kombu.Queue]) -> None:
    """Declare exchange and queues (idempotent); the all-in-one mode and tests use it."""
    with kombu.Connection(broker_url(url)) as conn:
        with conn.channel() as ch:
            events_exchange()(ch).declare()
            for q in queues:
                q(ch).declare()
