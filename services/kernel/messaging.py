"""Publishing and consuming events with kombu.

``AMQP_URL`` unset means kombu's in-memory transport (all-in-one mode, one process).
With RabbitMQ, publishing waits for publisher confirms; consumer queues dead-letter to
``hoso.dlx``. A message that can never be handled (not a JSON envelope, an event type no
service declares, a version other than the declared one, data that fails the declaration)
is dead-lettered at once with its reason; a handler's failure is retried and dead-lettered
after ``max_retries`` attempts. The broker topology is declared idempotently by
``infra.topology`` (pika); consumers declare the same queue arguments.
"""
from __future__ import annotations

import contextlib
import enum
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar

import kombu
from pymongo.collection import Collection
from bson.errors import InvalidDocument
from pymongo.errors import DuplicateKeyError, WriteError

from .events import DEAD_LETTER_EXCHANGE, EXCHANGE, Event, EventSpec, InvalidEvent, declared, validate

log = logging.getLogger(__name__)

RETRY_HEADER = "x-hoso-attempt"


class Reason(str, enum.Enum):
    """Why a message was dead-lettered (kept with it in the consumer's ``dead_letters``)."""

    MALFORMED = "malformed"  # not an event envelope
    UNDECLARED_TYPE = "undeclared_type"
    UNSUPPORTED_VERSION = "unsupported_version"
    INVALID_DATA = "invalid_data"
    RETRIES_EXHAUSTED = "retries_exhausted"


class Undeliverable(InvalidEvent):
    """A message no retry can help: dead-lettered at once with ``reason``."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def admit(body: Any) -> Event:
    """The event in a message body, checked against its declaration; ``Undeliverable`` when it can never be handled."""
    if not isinstance(body, Mapping):
        raise Undeliverable(Reason.MALFORMED, f"message body is not an event envelope: {type(body).__name__}")
    try:
        event = Event.from_dict(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise Undeliverable(Reason.MALFORMED, f"malformed event envelope: {exc!r}") from None
    try:
        spec = declared(event.type)
    except InvalidEvent as exc:
        raise Undeliverable(Reason.UNDECLARED_TYPE, str(exc)) from None
    if event.version != spec.version:
        raise Undeliverable(Reason.UNSUPPORTED_VERSION,
                            f"{event.type} version {event.version} is not supported (declared: {spec.version})")
    try:
        spec.read(event)
    except InvalidEvent as exc:
        raise Undeliverable(Reason.INVALID_DATA, str(exc)) from None
    return event


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

    @property
    def table(self) -> HandlerTable:
        """The handler table it dispatches through (empty for a bare handler)."""
        return getattr(self._handler, "handlers", {})

    def _key(self, event_id: str) -> str:
        """The processed record's ``_id``: one primary-key lookup and one insert per event, no other index."""
        return f"{self.name}:{event_id}"

    def already_processed(self, event_id: str) -> bool:
        return self._processed.find_one({"_id": self._key(event_id)}, {"_id": 1}) is not None

    def receive(self, body: Any) -> bool:
        """Admit a message body (``Undeliverable`` when it can never be handled) and handle its event."""
        return self.handle(admit(body))

    def handle(self, event: Event) -> bool:
        """Process ``event`` unless seen before; True when the handler ran now."""
        if self.already_processed(event.id):
            return False
        self._handler(event)
        with contextlib.suppress(DuplicateKeyError):  # a concurrent delivery recorded it first
            self._processed.insert_one({"_id": self._key(event.id), "consumer": self.name, "event_id": event.id,
                                        "type": event.type, "at": datetime.now(timezone.utc)})
        return True

    def dead_letter(self, payload: dict[str, Any], error: str, *, reason: Reason = Reason.RETRIES_EXHAUSTED,
                    attempts: int = 1) -> None:
        """Keep a message that will not be handled, with why, and its tenant and type when the envelope names them."""
        envelope = payload if isinstance(payload, Mapping) else {}
        tenant, type_ = envelope.get("tenant"), envelope.get("type")
        entry = {
            "consumer": self.name, "event": payload, "reason": reason.value, "error": error[:2000],
            "attempts": attempts, "tenant": tenant if isinstance(tenant, str) else None,
            "type": type_ if isinstance(type_, str) else None, "at": datetime.now(timezone.utc),
        }
        try:
            self._dead.insert_one(dict(entry))
        except (InvalidDocument, WriteError):  # keys MongoDB refuses ($-prefixed…): keep the text instead
            self._dead.insert_one({**entry, "event": {"raw": repr(payload)[:2000]}})


def _attempt(headers: Mapping[str, Any] | None) -> int:
    """The delivery attempt a message's retry header names (1 when absent or unreadable)."""
    try:
        return max(1, int((headers or {}).get(RETRY_HEADER, 1)))
    except (TypeError, ValueError):
        return 1


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
            attempt = _attempt(message.headers)
            payload = body if isinstance(body, dict) else {"raw": str(body)[:2000]}
            try:
                self._consumer.receive(body)
            except Undeliverable as exc:  # no retry can help: dead-lettered at once
                log.warning("consumer %s dead-letters a message at once (%s): %s", self._consumer.name,
                            exc.reason.value, exc)
                self._consumer.dead_letter(payload, str(exc), reason=exc.reason, attempts=attempt)
                message.reject(requeue=False)
                return
            except Exception as exc:  # the handler's failure: retry, then dead-letter
                log.warning("consumer %s failed on attempt %d", self._consumer.name, attempt, exc_info=True)
                if attempt >= self._consumer.max_retries:
                    self._consumer.dead_letter(payload, repr(exc), attempts=attempt)
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

    def _on_decode_error(self, message: kombu.Message, exc: Exception) -> None:
        """A body that is not JSON (or not of an accepted content type): dead-lettered at once, never a crash."""
        raw = message.body.decode("utf-8", "replace") if isinstance(message.body, bytes) else str(message.body)
        log.warning("consumer %s dead-letters an undecodable message: %r", self._consumer.name, exc)
        self._consumer.dead_letter({"raw": raw[:2000]}, f"undecodable message: {exc!r}", reason=Reason.MALFORMED,
                                   attempts=_attempt(message.headers))
        message.reject(requeue=False)

    def drain(self, *, timeout: float = 0.2, limit: int | None = None) -> int:
        """Process what is waiting (up to ``limit``) and return; for tests and the all-in-one loop."""
        handled = 0
        with kombu.Connection(self._url) as conn:
            callback = self._on_message(conn)
            with conn.Consumer(self._queue, callbacks=[lambda b, m: callback(b, m)], accept=["json"], prefetch_count=50,
                               on_decode_error=self._on_decode_error):
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
                    with conn.Consumer(self._queue, callbacks=[lambda b, m: callback(b, m)], accept=["json"],
                                       prefetch_count=50, on_decode_error=self._on_decode_error):
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
