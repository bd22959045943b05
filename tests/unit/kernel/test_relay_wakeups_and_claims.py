"""The relay waits instead of polling; consumers dedupe by primary key; periodic slots are claimed once.

- A relay whose idle backoff is a minute still publishes at once an event saved in the same process
  (the ``OUTBOX_WRITTEN`` wake-up), and ends at once when stopped.
- A consumer keeps one processed record per event, keyed ``<consumer>:<event id>``.
- Claims: one run per (job, slot); an older slot is refused; a live run keeps the next slot from
  starting beside it; a released or expired run frees it; lambdas and duplicate names are refused.
"""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import pytest
from mongoengine import StringField

from services.kernel.events import Event, EventData, declare
from services.kernel.messaging import IdempotentConsumer, InMemoryPublisher
from services.kernel.mongo import connect_database
from services.kernel.outbox import OUTBOX_WRITTEN, OutboxMixin, OutboxRelay
from services.kernel.periodic import JobClaims, PeriodicJobs, job_name


class WakeLesson(OutboxMixin):
    meta: ClassVar[dict[str, Any]] = {"db_alias": "kernel-wakeups", "collection": "wake_lessons"}
    id = StringField(primary_key=True)


class PlanWritten(EventData):
    title: str


PLAN_WRITTEN = declare("documents.wake_probe.written", PlanWritten)  # a test event, declared like any service's


class SignallingPublisher(InMemoryPublisher):
    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()

    def publish_many(self, events: Any) -> None:
        super().publish_many(events)
        self.arrived.set()


@pytest.fixture
def db() -> Any:
    return connect_database(alias="kernel-wakeups", db_name=f"kernel_wakeups_{uuid.uuid4().hex[:8]}", uri=None)


def test_a_save_in_the_process_wakes_an_idle_relay_and_stop_ends_it(db: Any) -> None:
    publisher = SignallingPublisher()
    relay = OutboxRelay(collections=[WakeLesson._get_collection()], publisher=publisher)
    stop = threading.Event()
    runner = threading.Thread(target=relay.run, args=(stop,), kwargs={"idle_min": 60.0, "idle_max": 60.0}, daemon=True)
    runner.start()
    lesson = WakeLesson(id="l-1")
    lesson.record_event(PLAN_WRITTEN.event({"title": "Bài 1"}, tenant="th-hoa-phong"))
    lesson.save()
    assert publisher.arrived.wait(30), "a minute of backoff, yet the save's own wake-up sends the event"
    assert [e.data["title"] for e in publisher.published] == ["Bài 1"]
    stop.set()
    OUTBOX_WRITTEN.notify()
    runner.join(timeout=30)
    assert not runner.is_alive()


def test_the_consumer_keeps_one_record_per_event_by_primary_key(db: Any) -> None:
    seen: list[str] = []
    consumer = IdempotentConsumer(name="probe", handler=lambda e: seen.append(e.id), processed=db["processed"],
                                  dead_letters=db["dead"])
    event = PLAN_WRITTEN.event({"title": "Bài 1"}, tenant="th-hoa-phong")
    assert consumer.handle(event) is True
    assert consumer.handle(Event.from_dict(event.to_dict())) is False  # the relay sent it twice
    assert seen == [event.id]
    assert [d["_id"] for d in db["processed"].find()] == [f"probe:{event.id}"]


class Jobs:
    def scan(self) -> None:
        """A job with a stable name."""


class CountedJobs:
    def __init__(self) -> None:
        self.runs = 0

    def scan(self) -> None:
        """Counts its runs."""
        self.runs += 1


def test_each_slot_is_claimed_once_and_a_live_run_blocks_the_next(db: Any) -> None:
    a, b = (JobClaims(collection=db["periodic_claims"], owner=o, lease_seconds=30) for o in ("a", "b"))
    t0 = datetime(2026, 1, 5, 7, 0, tzinfo=timezone.utc)
    assert a.claim("Jobs.scan", 10, now=t0) is True
    assert b.claim("Jobs.scan", 10, now=t0) is False  # the same slot: taken
    assert b.claim("Jobs.scan", 11, now=t0 + timedelta(seconds=1)) is False  # a's run is live
    a.release("Jobs.scan", 10)
    assert b.claim("Jobs.scan", 11) is True
    assert a.claim("Jobs.scan", 9) is False  # an older slot never runs again
    late = datetime.now(timezone.utc) + timedelta(seconds=31)
    assert a.claim("Jobs.scan", 12, now=late) is True  # b died mid-run: its lease expired
    assert b.renew("Jobs.scan", 11) is False  # and its run is no longer its own


def test_run_slot_runs_a_job_on_one_replica_only(db: Any) -> None:
    jobs = CountedJobs()
    replicas = [PeriodicJobs(jobs=[(60.0, jobs.scan)], claims=JobClaims(collection=db["periodic_claims"])) for _ in range(2)]
    assert replicas[0].names == ["CountedJobs.scan"]
    for slot in range(5):
        assert sum(r.run_slot("CountedJobs.scan", jobs.scan, slot) for r in replicas) == 1
    assert jobs.runs == 5


def test_jobs_need_stable_unique_names() -> None:
    jobs = Jobs()
    assert job_name(jobs.scan) == "Jobs.scan"
    with pytest.raises(ValueError):
        job_name(lambda: None)
    with pytest.raises(ValueError):
        PeriodicJobs(jobs=[(1.0, jobs.scan), (2.0, Jobs().scan)], claims=JobClaims(collection=None))  # type: ignore[arg-type]
