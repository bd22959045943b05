"""Outbox relay interleaved with an aggregate's load and save: no event is ever stranded.

Defect 9 of issue 10: a relay run between a load and a save cleared the pending flag while the
save wrote new events without setting it again, so they stayed unpublished. Each test here fixes
one interleaving deterministically and checks that every event is published.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import pytest
from mongoengine import StringField

from services.kernel.events import Event, EventData, declare
from services.kernel.messaging import InMemoryPublisher
from services.kernel.mongo import connect_database
from services.kernel.outbox import OutboxMixin, OutboxRelay
from tests.trust.figures import record


class TrustLesson(OutboxMixin):
    meta: ClassVar[dict[str, Any]] = {"db_alias": "trust-outbox", "collection": "trust_lessons"}
    id = StringField(primary_key=True)
    title = StringField()


class HookedPublisher(InMemoryPublisher):
    """Publishes like the fake broker, running ``hook`` once inside the first publish."""

    def __init__(self, hook: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._hook = hook

    def publish_many(self, events: Iterable[Event]) -> None:
        events = list(events)
        super().publish_many(events)
        hook, self._hook = self._hook, None
        if hook is not None:
            hook()


@pytest.fixture(autouse=True)
def database() -> None:
    connect_database(alias="trust-outbox", db_name=f"trust_outbox_{uuid.uuid4().hex[:8]}", uri=None)


class LessonRenamed(EventData):
    title: str


LESSON_RENAMED = declare("documents.lesson.renamed", LessonRenamed)  # a test event, declared like any service's


def _event(title: str) -> Event:
    return LESSON_RENAMED.event({"title": title}, tenant="th-hoa-phong")


def _published(publisher: InMemoryPublisher) -> list[str]:
    return [e.data["title"] for e in publisher.published]


def _new_lesson() -> str:
    lesson = TrustLesson(id=uuid.uuid4().hex, title="Bài 1")
    lesson.record_event(_event("Bài 1"))
    lesson.save()
    return lesson.id


def test_relay_between_load_and_save_leaves_no_event_stranded() -> None:
    record("concurrency", cases=1)
    lesson_id = _new_lesson()
    publisher = HookedPublisher()
    relay = OutboxRelay(collections=[TrustLesson._get_collection()], publisher=publisher)

    loaded = TrustLesson.objects.get(id=lesson_id)  # load: outbox [Bài 1], pending
    assert relay.relay_once() == 1  # the relay runs between the load and the save
    loaded.title = "Bài 1 (sửa)"
    loaded.record_event(_event("Bài 1 (sửa)"))
    loaded.save()

    raw = TrustLesson._get_collection().find_one({"_id": lesson_id})
    assert raw["outbox_pending"] is True
    assert relay.relay_once() == 1
    assert _published(publisher) == ["Bài 1", "Bài 1 (sửa)"]  # each once: the stale copy is not re-pushed
    assert relay.relay_once() == 0
    assert TrustLesson.objects(outbox_pending=True).count() == 0
    record("concurrency", consistent=1)


def test_save_between_relay_publish_and_clear_leaves_no_event_stranded() -> None:
    record("concurrency", cases=1)
    lesson_id = _new_lesson()
    loaded = TrustLesson.objects.get(id=lesson_id)

    def save_meanwhile() -> None:  # runs after the relay published, before it pulls and clears
        loaded.record_event(_event("Bài 2"))
        loaded.save()

    publisher = HookedPublisher(save_meanwhile)
    relay = OutboxRelay(collections=[TrustLesson._get_collection()], publisher=publisher)
    assert relay.relay_once() == 1
    raw = TrustLesson._get_collection().find_one({"_id": lesson_id})
    assert [e["data"]["title"] for e in raw["outbox"]] == ["Bài 2"] and raw["outbox_pending"] is True
    assert relay.relay_once() == 1
    assert _published(publisher) == ["Bài 1", "Bài 2"]
    assert TrustLesson.objects(outbox_pending=True).count() == 0
    record("concurrency", consistent=1)
