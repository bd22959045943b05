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
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any, ClassVar

import mongoengine
from mongoengine import BooleanField, DictField, ListField
from pymongo.collection import Collection

from .events import Event, validate
from .messaging import Publisher

log = logging.getLogger(__name__)


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
        self._new_events().clear()
        return result


class OutboxRelay:
    """Moves pending events from aggregate documents to the broker."""

    def __init__(self, *, collections: Iterable[Collection], publisher: Publisher, batch_size: int = 100) -> None:
        self._collections = list(collections)
        self._publisher = publisher
        self._batch = batch_size

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

    def run(self, stop: threading.Event, *, interval: float = 0.2) -> None:
        """Relay until ``stop`` is set; a broker outage only delays events, it loses none."""
        while not stop.is_set():
            try:
                n = self.relay_once()
            except Exception:  # broker down or similar: keep the events, try again later
                log.warning("outbox relay could not publish; will retry", exc_info=True)
                n = 0
            if n == 0:
                stop.wait(interval)
