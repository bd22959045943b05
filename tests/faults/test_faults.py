"""Faults survived, nothing lost or doubled: real processes, real RabbitMQ, S3 over HTTP, the wire database.

The documents service (gunicorn), its outbox relay, its consumers and the gateway run as
production runs them (``python -m infra.production``), each dependency behind a fault proxy.
Every scenario injects its fault while lesson plans are uploaded through the gateway (each
with an ``Idempotency-Key``), heals it, lets refused uploads be sent again with the same key,
and audits the whole database: every accepted upload has exactly one version, one object,
one document, one event and one effect of each consumer; nothing accepted is lost and nothing
is half-written. Figures go to the fault report (``python -m tests.faults.report``).
"""
from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import kombu
import pytest

from tests.faults import report
from tests.faults.ledger import Audit, Ledger
from tests.faults.platform import PART, UPLOAD_CONSUMERS, FaultPlatform, call, wait_until

#: bounds, not timings: a loaded 2-core machine starts the platform's processes slowly
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

#: AMQP 0-9-1 method frame payload of Basic.Ack (class 60, method 80): a publisher confirm from the
#: broker, or a consumer's acknowledgement to it
BASIC_ACK = b"\x00\x3c\x00\x50"
VIETNAMESE = frozenset("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")


@pytest.fixture(scope="module")
def ledger(platform: FaultPlatform) -> Ledger:
    return Ledger(platform)


def assert_clean(audit: Audit) -> None:
    assert audit.lost == [], audit.lost
    assert audit.doubled == [], audit.doubled
    assert audit.half_writes == [], audit.half_writes
    assert audit.effects == audit.versions


def assert_vietnamese_problem(status: int, answer: dict, *, statuses: tuple[int, ...]) -> None:
    assert status in statuses, (status, answer)
    assert answer.get("status") == status and answer.get("type", "").startswith(("https://", "about:", "/")), answer
    text = (answer.get("title", "") + " " + answer.get("detail", "")).lower()
    assert VIETNAMESE & set(text), f"not Vietnamese: {text!r}"
    assert "traceback" not in json.dumps(answer).lower()


def killer(platform: FaultPlatform, name: str, direction: str, fired: threading.Event) -> Callable[[str, bytes], bool]:
    """A tap that SIGKILLs ``name`` at the first Basic.Ack going ``direction`` and drops that ack."""

    def tap(way: str, data: bytes) -> bool:
        if fired.is_set() or way != direction or BASIC_ACK not in data:
            return False
        fired.set()
        os.killpg(platform.processes[name].pid, signal.SIGKILL)
        return True

    return tap


def mid_upload(act: Callable[[], None]) -> tuple[Callable[[str, bytes], bool], threading.Event]:
    """A tap on the S3 proxy that runs ``act`` once inside the second part of a multipart upload, dropping that chunk."""
    sent, fired = [0], threading.Event()

    def tap(way: str, data: bytes) -> bool:
        if way != "up" or fired.is_set():
            return False
        sent[0] += len(data)
        if sent[0] <= PART + PART // 2:
            return False
        fired.set()
        act()
        return True

    return tap, fired


def reap(platform: FaultPlatform, name: str) -> None:
    process = platform.processes.pop(name)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def queue_depth(platform: FaultPlatform, *queues: str) -> int:
    with kombu.Connection(platform.broker_url()) as conn, conn.channel() as channel:
        return sum(channel.queue_declare(queue=q, passive=True).message_count for q in queues)


def gateway_problem(platform: FaultPlatform, method: str = "GET", path: str = "/api/documents/v1/folders",
                    timeout: float = 60.0) -> tuple[int, dict]:
    status, headers, body = call(platform.ports["gateway"], method, path, headers=platform.teacher(), timeout=timeout)
    answer = json.loads(body) if body else {}
    if status >= 400:
        assert headers.get("content-type") == "application/problem+json", headers
    return status, answer


@pytest.fixture
def healed(platform: FaultPlatform, ledger: Ledger) -> Iterator[None]:
    """Whatever a scenario did (or failed to undo), the next starts healthy: proxies pass, the database runs,
    killed processes are back, and uploads it left refused are accepted."""
    yield
    for proxy in platform.proxies.values():
        proxy.tap = None
        proxy.passing()
    platform.wire.resume()
    platform.restore()
    ledger.retry_open()


def test_latency_on_every_dependency_changes_nothing(platform: FaultPlatform, ledger: Ledger, healed: None) -> None:
    for name in ("db", "s3", "amqp-http", "amqp-relay", "amqp-consumer"):
        platform.proxies[name].latency(0.02)
    dups_before = ledger.duplicates()
    statuses = [ledger.upload(padding=PART // 2 if n == 0 else 0)[0] for n in range(5)]
    assert statuses == [201] * 5
    audit = ledger.audit()
    assert_clean(audit)
    report.record("latency", faults=5, accepted=5, effects=5, duplicates_absorbed=ledger.duplicates() - dups_before,
                  refused=0, lost=len(audit.lost), half_writes=len(audit.half_writes))


def test_broker_connections_cut_during_a_burst_of_uploads(platform: FaultPlatform, ledger: Ledger,
                                                          healed: None) -> None:
    accepted_before, dups_before = len(ledger.accepted), ledger.duplicates()
    stop, cuts = threading.Event(), []

    def cutter() -> None:
        while not stop.wait(0.3):
            cuts.extend(n for name in ("amqp-relay", "amqp-consumer", "amqp-http")
                        if (n := platform.proxies[name].cut()))

    thread = threading.Thread(target=cutter)
    thread.start()
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(lambda _: ledger.upload()[0], range(24)))
    finally:
        stop.set()
        thread.join(timeout=10)
    assert cuts, "no broker connection was open to cut"
    assert statuses.count(201) == 24, statuses
    audit = ledger.audit()
    assert_clean(audit)
    report.record("broker_cut", faults=len(cuts), accepted=len(ledger.accepted) - accepted_before,
                  effects=len(ledger.accepted) - accepted_before, duplicates_absorbed=ledger.duplicates() - dups_before,
                  refused=0, lost=len(audit.lost), half_writes=len(audit.half_writes))


def test_a_consumer_killed_before_its_ack_gets_the_event_again_and_acts_once(
        platform: FaultPlatform, ledger: Ledger, healed: None) -> None:
    fired = threading.Event()
    platform.proxies["amqp-consumer"].tap = killer(platform, "consumer-documents", "up", fired)
    assert ledger.upload()[0] == 201
    wait_until(fired.is_set, seconds=180, what="the consumer's first ack")
    reap(platform, "consumer-documents")
    platform.proxies["amqp-consumer"].tap = None
    # the event was handled but never acknowledged: the broker holds it for the next consumer
    wait_until(lambda: queue_depth(platform, *UPLOAD_CONSUMERS) >= 1, seconds=120, what="the unacked event back in its queue")
    platform.start_consumers()
    audit = ledger.audit()
    assert_clean(audit)
    assert queue_depth(platform, *UPLOAD_CONSUMERS) == 0
    report.record("consumer_killed", faults=1, accepted=1, effects=1, duplicates_absorbed=1, refused=0,
                  lost=len(audit.lost), half_writes=len(audit.half_writes))


def test_a_relay_killed_between_publish_and_mark_republishes_and_the_consumers_act_once(
        platform: FaultPlatform, ledger: Ledger, healed: None) -> None:
    fired = threading.Event()
    platform.proxies["amqp-relay"].tap = killer(platform, "relay-documents", "down", fired)
    status, answer = ledger.upload()
    assert status == 201
    version_id = answer["version"]["id"]
    wait_until(fired.is_set, seconds=180, what="the broker's publisher confirm to the relay")
    reap(platform, "relay-documents")
    platform.proxies["amqp-relay"].tap = None
    version = platform.db()["versions"].find_one({"_id": version_id})
    assert version["outbox_pending"] is True and len(version["outbox"]) == 1  # published, not marked
    event_id = version["outbox"][0]["id"]
    ledger.collect_deliveries()
    assert ledger.deliveries[event_id] == 1
    platform.start_relay()
    audit = ledger.audit()
    assert_clean(audit)
    assert ledger.deliveries[event_id] == 2  # the same event published twice, consumed once
    report.record("relay_killed", faults=1, accepted=1, effects=1, duplicates_absorbed=1, refused=0,
                  lost=len(audit.lost), half_writes=len(audit.half_writes))


def test_the_object_store_failing_mid_upload_refuses_it_and_leaves_nothing_half_written(
        platform: FaultPlatform, ledger: Ledger, healed: None) -> None:
    s3 = platform.proxies["s3"]
    versions_before = platform.db()["versions"].count_documents({})
    s3.tap, fired = mid_upload(s3.reset)
    status, answer = ledger.upload(padding=2 * PART + 4096)
    assert fired.is_set()
    assert_vietnamese_problem(status, answer, statuses=(503,))
    assert answer["type"].endswith("/storage-unavailable")
    s3.tap = None
    s3.blackhole()
    status, blackholed = ledger.upload()
    assert_vietnamese_problem(status, blackholed, statuses=(503,))
    s3.passing()
    assert platform.db()["versions"].count_documents({}) == versions_before
    # the multipart upload the reset interrupted could not be aborted while S3 was down: the relay's sweep does it
    assert platform.s3().list_multipart_uploads(Bucket="hoso-faults").get("Uploads")
    platform.sweep()
    retried = ledger.retry_open()
    audit = ledger.audit()
    assert_clean(audit)
    report.record("store_failing", faults=2, accepted=retried, effects=retried, refused=2,
                  duplicates_absorbed=0, lost=len(audit.lost), half_writes=len(audit.half_writes))


def test_a_service_killed_behind_the_gateway_gives_502_in_vietnamese_and_works_after_restart(
        platform: FaultPlatform, ledger: Ledger, healed: None) -> None:
    assert gateway_problem(platform)[0] == 200
    # killed in the middle of storing a 10 MiB upload (its first part is in S3, the rest in flight)
    platform.proxies["s3"].tap, fired = mid_upload(lambda: os.killpg(platform.processes["documents"].pid, signal.SIGKILL))
    status, answer = ledger.upload(padding=2 * PART)
    assert fired.is_set()
    assert_vietnamese_problem(status, answer, statuses=(502, 503))
    reap(platform, "documents")
    platform.proxies["s3"].tap = None
    status, answer = gateway_problem(platform)
    assert_vietnamese_problem(status, answer, statuses=(502, 503))
    upload_status, upload_answer = ledger.upload()
    assert_vietnamese_problem(upload_status, upload_answer, statuses=(502, 503))
    platform.start_documents()
    assert gateway_problem(platform)[0] == 200
    assert platform.s3().list_multipart_uploads(Bucket="hoso-faults").get("Uploads")  # the dead process's
    platform.sweep()
    retried = ledger.retry_open()
    audit = ledger.audit()
    assert_clean(audit)
    report.record("service_killed", faults=2, accepted=retried, effects=retried, refused=3, duplicates_absorbed=0,
                  lost=len(audit.lost), half_writes=len(audit.half_writes))


def test_the_database_paused_during_requests_fails_them_cleanly_and_doubles_nothing(
        platform: FaultPlatform, ledger: Ledger, healed: None) -> None:
    platform.wire.pause()
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            uploads = list(pool.map(lambda _: ledger.upload(timeout=90), range(3)))
            status, answer = gateway_problem(platform, timeout=90)
    finally:
        platform.wire.resume()
    for upload_status, upload_answer in uploads:
        assert_vietnamese_problem(upload_status, upload_answer, statuses=(503,))
    assert_vietnamese_problem(status, answer, statuses=(503,))
    wait_until(lambda: call(platform.ports["documents"], "GET", "/readyz", timeout=20)[0] == 200, seconds=180,
               what="documents to be ready again")
    retried = ledger.retry_open()
    audit = ledger.audit()
    assert_clean(audit)
    report.record("database_paused", faults=1, accepted=retried, effects=retried, refused=4, duplicates_absorbed=0,
                  lost=len(audit.lost), half_writes=len(audit.half_writes))
