"""The event contract: every consumer of every service reads only what the producer declares.

For every handler in every service's handler table (as ``bootstrap()`` wires them):

* statically, the fields it says it reads (``@reads``) are declared by the producer, and
  fields a producer marks internal are read only by consumers of the same service;
* at run time, fed a declared-minimal event built from the producer's declaration, it
  neither fails for a missing key or attribute nor touches a field it did not say it reads.

And every declaration lives in its service's ``services/<svc>/events.py``.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from services.kernel.clock import FixedClock, VN_TZ
from services.kernel.errors import Problem
from services.kernel.events import Event, EventData, EventSpec, declarations, declared
from services.kernel.messaging import IdempotentConsumer, InMemoryPublisher, reads, reads_of
from services.kernel.testing import TokenFactory, example_event

SERVICES = Path(__file__).resolve().parents[2] / "services"
EVENT_MODULES = sorted(p.parent.name for p in SERVICES.glob("*/events.py") if p.parent.name != "kernel")

for _service in EVENT_MODULES:
    importlib.import_module(f"services.{_service}.events")


# ----- every consumer, as bootstrap() wires it ------------------------------------------------------
def _containers(tmp_path: Path) -> dict[str, Any]:
    from services.approvals.adapters.documents_service import FakeDocuments as ApprovalsDocuments
    from services.approvals.bootstrap import bootstrap as approvals
    from services.documents.bootstrap import bootstrap as documents
    from services.notifications.bootstrap import bootstrap as notifications
    from services.signing.adapters.approvals_client import FakeApprovals
    from services.signing.adapters.documents_client import FakeDocuments as SigningDocuments
    from services.signing.bootstrap import bootstrap as signing

    clock = FixedClock(datetime(2025, 9, 8, 8, 0, tzinfo=VN_TZ))
    common = {"environ": {}, "clock": clock, "verifier": TokenFactory(clock=clock).verifier()}
    return {
        "approvals": approvals({"mode": "test", "log_json": False}, publisher=InMemoryPublisher(),
                               documents=ApprovalsDocuments(), **common),
        "documents": documents({"mode": "test", "local_root": str(tmp_path / "objects"),
                                "work_dir": str(tmp_path / "work"), "log_json": False},
                               publisher=InMemoryPublisher(), **common),
        "signing": signing({"mode": "test", "spool_dir": str(tmp_path / "spool"), "level": "B-T"},
                           publisher=InMemoryPublisher(), approvals=FakeApprovals(), documents=SigningDocuments(),
                           **common),
        "notifications": notifications({"mode": "test", "mail_outbox_dir": str(tmp_path / "mail")},
                                       publisher=InMemoryPublisher(), **common),
    }


def consumers_of(container: Any) -> Iterator[IdempotentConsumer]:
    for value in vars(container).values():
        if isinstance(value, IdempotentConsumer):
            yield value
        elif isinstance(value, dict):
            yield from (v for v in value.values() if isinstance(v, IdempotentConsumer))


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, IdempotentConsumer]]:
    containers = _containers(tmp_path_factory.mktemp("contract"))
    return [(service, c) for service, container in containers.items() for c in consumers_of(container)]


# ----- the checks ------------------------------------------------------------------------------------
def static_problems(consumer_service: str, consumer: str, event_type: str, handler: Callable[..., Any]) -> list[str]:
    """What is wrong, statically, with one binding of one consumer."""
    where = f"{consumer} on {event_type}"
    try:
        spec = declared(event_type)
    except ValueError as exc:
        return [f"{where}: {exc}"]
    said = reads_of(handler).get(event_type)
    if said is None:
        return [f"{where}: the handler does not say which fields it reads (@reads)"]
    out = [f"{where} reads {f!r}, which {spec.service} does not declare" for f in sorted(said - spec.fields())]
    if consumer_service != spec.service:
        out += [f"{where} reads {f!r}, internal to {spec.service}" for f in sorted(said & spec.model.internal)]
    return out


class Reading:
    """The typed view a handler gets, recording which declared fields it touches."""

    def __init__(self, model: EventData) -> None:
        self._model = model
        self.touched: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        if name in type(self._model).model_fields:
            self.touched.add(name)
        elif name == "model_dump":
            def dump(**kwargs: Any) -> dict[str, Any]:
                self.touched.update(kwargs.get("include") or type(self._model).model_fields)
                return self._model.model_dump(**kwargs)
            return dump
        return getattr(self._model, name)


def runtime_problems(consumer: str, event_type: str, handler: Callable[..., Any], event: Event) -> list[str]:
    """Feed one handler a declared-minimal event: no KeyError/AttributeError, no unsaid field touched."""
    where = f"{consumer} on {event_type}"
    view = Reading(declared(event_type).read(event))
    try:
        handler(event, view)
    except (KeyError, AttributeError) as exc:
        return [f"{where}: {type(exc).__name__} {exc} on a declared-minimal event"]
    except Problem:  # refusing unknown ids (404, 409…) is the handler's right, not a contract break
        pass
    said = reads_of(handler).get(event_type, frozenset())
    return [f"{where} touched {f!r} without saying so (@reads)" for f in sorted(view.touched - said)]


# ----- the tests ---------------------------------------------------------------------------------------
def test_every_service_with_events_declares_them_in_its_own_module() -> None:
    assert {"identity", "documents", "approvals", "signing"} <= set(EVENT_MODULES)
    for type_, spec in declarations().items():
        if spec.model.__module__.startswith("services."):  # tests may declare probes of their own
            assert spec.model.__module__ == f"services.{spec.service}.events", type_


def test_every_consumer_binds_exactly_the_types_of_its_handler_table(wired) -> None:
    assert {c.name for _, c in wired} == {
        "approvals.identity", "approvals.catalog", "approvals.progress", "documents.onboarding", "documents.renditions",
        "documents.similarity", "documents.exports", "documents.approvals", "documents.calendar", "documents.campaigns",
        "approvals.campaigns", "signing.recalls", "notifications.inbox", "notifications.people"}
    for _, consumer in wired:
        assert consumer.bindings == tuple(consumer.table) and consumer.bindings, consumer.name
        assert not any("*" in b or "#" in b for b in consumer.bindings), consumer.name


def test_every_consumer_reads_only_fields_its_producer_declares(wired) -> None:
    problems = [p for service, c in wired for type_, handler in c.table.items()
                for p in static_problems(service, c.name, type_, handler)]
    assert problems == []


def test_every_handler_survives_a_declared_minimal_event_and_touches_only_what_it_says(wired) -> None:
    problems = []
    for _, consumer in wired:
        for type_, handler in consumer.table.items():
            problems += runtime_problems(consumer.name, type_, handler, example_event(declared(type_)))
    assert problems == []


# ----- the checks catch what they claim to catch ----------------------------------------------------------
class _Probe(EventData):
    person: str
    counter: int | None = None

    internal = frozenset({"counter"})


PROBE = EventSpec("approvals.probe.happened", _Probe)


def test_a_consumer_reading_an_undeclared_field_is_caught(monkeypatch) -> None:
    from services.kernel import events as kernel_events
    monkeypatch.setitem(kernel_events._DECLARED, PROBE.type, PROBE)

    @reads(PROBE, "person", "email")
    def says_too_much(event: Event, data: Any) -> None:
        data.person

    def touches_more(event: Event, data: Any) -> None:
        data.email

    touches_more = reads(PROBE, "person")(touches_more)
    assert static_problems("notifications", "n", PROBE.type, says_too_much) == [
        f"n on {PROBE.type} reads 'email', which approvals does not declare"]
    assert "AttributeError" in runtime_problems("n", PROBE.type, touches_more, example_event(PROBE))[0]


def test_another_service_reading_a_producers_internal_field_is_caught(monkeypatch) -> None:
    from services.kernel import events as kernel_events
    monkeypatch.setitem(kernel_events._DECLARED, PROBE.type, PROBE)

    @reads(PROBE, "person", "counter")
    def counts(event: Event, data: Any) -> None:
        data.counter

    assert static_problems("approvals", "a", PROBE.type, counts) == []
    assert static_problems("documents", "d", PROBE.type, counts) == [
        f"d on {PROBE.type} reads 'counter', internal to approvals"]


def test_a_handler_touching_a_field_it_did_not_name_is_caught(monkeypatch) -> None:
    from services.kernel import events as kernel_events
    monkeypatch.setitem(kernel_events._DECLARED, PROBE.type, PROBE)

    @reads(PROBE, "person")
    def sly(event: Event, data: Any) -> None:
        data.counter

    assert runtime_problems("s", PROBE.type, sly, example_event(PROBE)) == [
        f"s on {PROBE.type} touched 'counter' without saying so (@reads)"]
