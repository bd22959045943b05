"""Transactional outbox: events live inside the aggregate's own document until published.

MongoDB is atomic per document, so an aggregate saved with its pending events either has
both the state change and the events or neither. ``OutboxRelay`` publishes pending events
with publisher confirms and only then removes them, so an event is published at least
once; consumers deduplicate by event id (``messaging.IdempotentConsumer``).

Flag protocol (no interleaving of a save and the relay can strand an event):

- a save that records events ``$push``-es only the new ones (never ``$set``-s the whole list
  from a possibly stale copy) and sets ``outbox_pending: true`` in the same update;
- the relay ``$pull``-s exactly the events it published, by id, and clears the flag only
  with an update whose filter requires the outbox to be empty at that instant.

So "the outbox is not empty" always implies "the flag is set", whichever order the writes
of a saver and the relay reach the database in.

The relay does not poll hot. It runs a pass when woken and otherwise backs off from
``idle_min`` to ``idle_max`` seconds between passes that found nothing. Two things wake it: a save
that recorded events in the same process (``OUTBOX_WRITTEN``: all-in-one, and the relay process's
own periodic jobs), and, where the database offers change streams (a MongoDB replica set, the
wire stand-in), a change stream on its collections that reports a document whose
``outbox_pending`` became true, which is how web workers in other processes wake it. The backoff
is the safety net: an event nobody signalled still leaves within ``idle_max``.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any, ClassVar

import mongoengine
from mongoengine import BooleanField, DictField, ListField
from pymongo.collection import Collection
from pymongo.errors import OperationFailure, PyMongoError

from .events import Event, validate
from .messaging import Publisher

log = logging.getLogger(__name__)


class OutboxSignal:
    """Wakes this process's relays when events were written (each relay subscribes its own event)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[threading.Event] = set()

    def subscribe(self) -> threading.Event:
        """A new event that every later ``notify`` sets."""
        wake = threading.Event()
        with self._lock:
            self._waiters.add(wake)
        return wake

    def unsubscribe(self, wake: threading.Event) -> None:
        with self._lock:
            self._waiters.discard(wake)

    def notify(self) -> None:
        """Wake every subscribed relay (after a save with events; after setting a relay's stop event)."""
        with self._lock:
            waiters = list(self._waiters)
        for wake in waiters:
            wake.set()


#: The process's signal: saves with events notify it; relays wait on it.
OUTBOX_WRITTEN = OutboxSignal()


class OutboxMixin(mongoengine.Document):
    """Abstract base: gives a document an ``outbox`` of pending events."""

    meta: ClassVar[dict[str, Any]] = {
        "abstract": True,
        "indexes": [{"fields": ["outbox_pending"], "partialFilterExpression": {"outbox_pending": True}}],
    }

    outbox = ListField(DictField())
    outbox_pending = BooleanField(default=False)

    def record_event(self, event: Event) -> None:
        """Queue ``event``; it is written with the next ``save()`` of this document.

        An event of an undeclared type or with undeclared data raises ``InvalidEvent`` here, at
        the producer, before anything is saved (in production too: see the kernel README).
        """
        validate(event)
        entry = event.to_dict()
        self.outbox.append(entry)
        self.outbox_pending = True
        self._mark_as_changed("outbox_pending")  # written even when the loaded copy already said True
        self._new_events().append(entry)

    def _new_events(self) -> list[dict[str, Any]]:
        new = self.__dict__.get("_outbox_new")
        if new is None:
            new = self.__dict__["_outbox_new"] = []
        return new

    def _get_update_doc(self) -> dict[str, Any]:
        """mongoengine's update of a loaded document, with new events pushed, not the list replaced."""
        update = super()._get_update_doc()
        new = self._new_events()
        sets = update.get("$set", {})
        if new and any(k == "outbox" or k.startswith("outbox.") for k in sets):
            for key in [k for k in sets if k == "outbox" or k.startswith("outbox.")]:
                del sets[key]
            sets["outbox_pending"] = True
            update["$set"] = sets
            update["$push"] = {"outbox": {"$each": list(new)}}
        return update

    def save(self, *args: Any, **kwargs: Any) -> "OutboxMixin":
        """Save state and newly recorded events in one atomic write."""
        result = super().save(*args, **kwargs)
        if self._new_events():
            self._new_events().clear()
            OUTBOX_WRITTEN.notify()
        return result


class OutboxRelay:
    """Moves pending events from aggregate documents to the broker."""

    def __init__(self, *, collections: Iterable[Collection], publisher: Publisher, batch_size: int = 100) -> None:
        self._collections = list(collections)
        self._publisher = publisher
        self._batch = batch_size
        #: set while a change stream reports this relay's collections to it (see ``run``)
        self.watching = threading.Event()

    def relay_once(self) -> int:
        """Publish what is pending now; returns how many events were published."""
        sent = 0
        for coll in self._collections:
            for doc in coll.find({"outbox_pending": True}, {"outbox": 1}).limit(self._batch):
                events = [Event.from_dict(e) for e in doc.get("outbox") or []]
                if not events:
                    coll.update_one({"_id": doc["_id"], "outbox": {"$size": 0}}, {"$set": {"outbox_pending": False}})
                    continue
                self._publisher.publish_many(events)
                ids = [e.id for e in events]
                coll.update_one({"_id": doc["_id"]}, {"$pull": {"outbox": {"id": {"$in": ids}}}})
                coll.update_one({"_id": doc["_id"], "outbox": {"$size": 0}}, {"$set": {"outbox_pending": False}})
                sent += len(events)
        return sent

    def run(self, stop: threading.Event, *, idle_min: float = 0.05, idle_max: float = 2.0) -> None:
        """Relay until ``stop`` is set (then ``OUTBOX_WRITTEN.notify()`` ends the wait at once).

        A broker outage only delays events, it loses none. Idle, it waits ``idle_min`` doubling to
        ``idle_max`` between passes, unless a save in this process or the change stream wakes it.
        """
        wake = OUTBOX_WRITTEN.subscribe()
        watcher = threading.Thread(target=self._watch, args=(wake, stop, idle_max), name="outbox-watch", daemon=True)
        watcher.start()
        backoff = idle_min
        try:
            while not stop.is_set():
                wake.clear()
                try:
                    n = self.relay_once()
                except Exception:  # broker down or similar: keep the events, try again later
                    log.warning("outbox relay could not publish; will retry", exc_info=True)
                    n = 0
                if n:
                    backoff = idle_min
                    continue
                backoff = idle_min if wake.wait(backoff) else min(backoff * 2, idle_max)
        finally:
            OUTBOX_WRITTEN.unsubscribe(wake)

    def _watch(self, wake: threading.Event, stop: threading.Event, pause: float) -> None:
        """Set ``wake`` whenever the database reports a document of these collections becoming pending.

        Only for a real MongoDB connection with change streams (a replica set, the wire stand-in);
        otherwise it returns at once and the relay relies on ``OUTBOX_WRITTEN`` and its backoff.
        """
        if not self._collections or not all(isinstance(c, Collection) for c in self._collections):
            return  # mongomock: no change streams
        pipeline = [{"$match": {"ns.coll": {"$in": sorted({c.name for c in self._collections})},
                                "$or": [{"fullDocument.outbox_pending": True},
                                        {"updateDescription.updatedFields.outbox_pending": True}]}}]
        database = self._collections[0].database
        while not stop.is_set():
            try:
                with database.watch(pipeline, max_await_time_ms=1000) as stream:
                    self.watching.set()
                    while not stop.is_set():
                        if stream.try_next() is not None:
                            wake.set()
            except OperationFailure as exc:  # e.g. a standalone server: change streams need a replica set
                log.info("outbox relay: no change streams (%s); relying on its backoff", exc)
                return
            except PyMongoError:
                log.warning("outbox relay lost its change stream; reopening", exc_info=True)
                self.watching.clear()
                stop.wait(pause)
