"""Publishing validates: an undeclared event, or one whose data does not match its declaration, never leaves the producer."""
from __future__ import annotations

import uuid
from typing import Any, ClassVar

import pytest
from mongoengine import StringField

from services.kernel.events import Event, EventData, InvalidEvent, declare
from services.kernel.messaging import Dispatcher, InMemoryPublisher, reads, reads_of
from services.kernel.mongo import connect_database
from services.kernel.outbox import OutboxMixin
from services.kernel.testing import example_event


class Renamed(EventData):
    title: str
    pages: int
    note: str | None = None


RENAMED = declare("documents.probe.renamed", Renamed)


class Probe(OutboxMixin):
    meta: ClassVar[dict[str, Any]] = {"db_alias": "kernel-declared", "collection": "probes"}
    id = StringField(primary_key=True)


@pytest.fixture(autouse=True)
def db():
    connect_database(alias="kernel-declared", db_name="declared_events", uri=None)


@pytest.mark.parametrize("data", [
    {"pages": 3},                                   # missing title
    {"title": "Sổ", "pages": "3"},                  # mistyped pages
    {"title": "Sổ", "pages": 3, "author": "x"},     # undeclared field
])
def test_the_producer_cannot_build_an_event_its_declaration_does_not_allow(data):
    with pytest.raises(InvalidEvent, match="documents.probe.renamed"):
        RENAMED.event(data)


@pytest.mark.parametrize("event", [
    Event(type="documents.probe.vanished", data={}),                        # a type nobody declared
    Event(type="documents.probe.renamed", data={"title": "Sổ"}),            # missing pages
    Event(type="documents.probe.renamed", data={"title": "Sổ", "pages": 1, "extra": 1}),
])
def test_the_outbox_refuses_an_undeclared_event_before_anything_is_saved(event):
    probe = Probe(id=uuid.uuid4().hex)
    with pytest.raises(InvalidEvent):
        probe.record_event(event)
    assert probe.outbox == []


def test_a_declared_event_is_recorded_and_the_test_publisher_checks_what_it_is_given():
    probe = Probe(id=uuid.uuid4().hex)
    probe.record_event(RENAMED.event({"title": "Sổ chủ nhiệm", "pages": 3}))
    probe.save()
    assert Probe.objects.get(id=probe.id).outbox[0]["data"] == {"title": "Sổ chủ nhiệm", "pages": 3}  # defaults left out
    publisher = InMemoryPublisher()
    with pytest.raises(InvalidEvent):
        publisher.publish_many([Event(type="documents.probe.renamed", data={"title": 1, "pages": 1})])
    assert publisher.published == []


def test_the_dispatcher_gives_each_handler_the_typed_view_and_ignores_what_a_newer_producer_adds():
    seen: list[Renamed] = []

    @reads(RENAMED, "title")
    def on_renamed(event: Event, data: Renamed) -> None:
        seen.append(data)

    dispatch = Dispatcher({RENAMED.type: on_renamed})
    newer = Event(type=RENAMED.type, data={"title": "Sổ", "pages": 2, "added_later": True})
    dispatch(newer)
    dispatch(Event(type="documents.probe.other", data={}))  # bound but unhandled: ignored
    assert [d.title for d in seen] == ["Sổ"] and dispatch.bindings == (RENAMED.type,)
    assert reads_of(on_renamed) == {RENAMED.type: frozenset({"title"})}
    with pytest.raises(AttributeError):
        seen[0].added_later  # noqa: B018 — only declared fields are readable


def test_a_minimal_example_event_is_valid_and_takes_overrides():
    event = example_event(RENAMED, title="Sổ đăng bộ")
    assert event.data == {"title": "Sổ đăng bộ", "pages": 1}
    assert RENAMED.read(event).note is None
