"""Transactional outbox: events live inside the aggregate's own document until published.

MongoDB is atomic per document, so an aggregate saved with its pending events either has
both the state change and the events or neither. ``OutboxRelay`` publishes pending events
with publisher confirms and only then removes them, so an event is published at least
once; consumers deduplicate by event id (``messaging.IdempotentConsumer``).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any, ClassVar

import mongoengine
from mongoengine import BooleanField, DictField, ListField
from pymongo.collection import Collection

from .events import Event
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
        """Queue ``event``; it is written with the next ``save()`` of this document."""
        self.outbox.append(event.to_dict())
        self.outbox_pending = True


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
