"""The kernel's shared-state pieces over the MongoDB wire protocol, from several processes at once.

Against the SecantusDB stand-in (``infra/standins/wire_db.py``), each case runs real worker
processes that share one database: audit appends on per-school chains (no entry lost, doubled or
out of place; every chain verifies and one anchor covers every head), periodic job claims (every
slot run exactly once across two replicas), and the relay's change stream (a write in another
process wakes a relay whose idle backoff is a minute).
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest

from infra.standins.wire_db import WireDatabase
from services.kernel.anchors import AuditAnchoring, DevelopmentTimeStamper, LocalAnchorStore
from services.kernel.audit import AuditLog
from services.kernel.events import Event
from services.kernel.outbox import OUTBOX_WRITTEN, OutboxRelay

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]

#: One appending process: argv = uri, database, how many, then the schools it writes for (round robin).
APPEND_WORKER = """
import sys, time
from pathlib import Path
import pymongo
from services.kernel.audit import AuditLog
from services.kernel.events import Event
from services.kernel.outbox import OUTBOX_WRITTEN, OutboxRelay
uri, name, count, go, *schools = sys.argv[1:]
log = AuditLog(db=pymongo.MongoClient(uri, tz_aware=True)[name])
while not Path(go).exists():
    time.sleep(0.01)
for n in range(int(count)):
    log.append(action="submission.approved", actor="thhp.totruong", tenant=schools[n % len(schools)],
               target=f"sub-{n}", data={"n": n, "note": "Đồng ý"})
"""

#: One relay replica: argv = uri, database, slots, folder; runs slot k once ``go-k`` exists, then
#: writes ``done-k-<pid>`` (so the two replicas try every slot together).
CLAIM_WORKER = """
import os, sys, time
from pathlib import Path
import pymongo
from services.kernel.periodic import JobClaims, PeriodicJobs
uri, name, slots, folder = sys.argv[1:]
db = pymongo.MongoClient(uri, tz_aware=True)[name]
class Scans:
    def scan_overdue(self):
        db["runs"].insert_one({"slot": slot, "pid": os.getpid()})
scans = Scans()
jobs = PeriodicJobs(jobs=[(60.0, scans.scan_overdue)], claims=JobClaims(collection=db["periodic_claims"]))
for slot in range(1, int(slots) + 1):
    while not (Path(folder) / f"go-{slot}").exists():
        time.sleep(0.005)
    jobs.run_slot("Scans.scan_overdue", scans.scan_overdue, slot)
    (Path(folder) / f"done-{slot}-{os.getpid()}").touch()
"""


@pytest.fixture(scope="module")
def wire() -> Iterator[WireDatabase]:
    with WireDatabase() as server:
        yield server


def _start(script: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, stderr=subprocess.PIPE)


def _finish(workers: list[subprocess.Popen[bytes]]) -> None:
    for w in workers:
        _, err = w.communicate(timeout=300)
        assert w.returncode == 0, err.decode()


def test_appends_from_four_processes_keep_every_school_chain_whole(wire: WireDatabase, tmp_path: Path) -> None:
    name = f"wire_audit_{uuid.uuid4().hex[:8]}"
    go = tmp_path / "go"
    plan = [("40", "th-hoa-phong"), ("40", "th-hoa-phong"),  # two writers on one school's chain
            ("40", "th-hoa-phong", "thcs-hai-chau", "th-son-tra"), ("40", "thcs-hai-chau", "th-son-tra")]
    workers = [_start(APPEND_WORKER, wire.uri, name, *spec[:1], str(go), *spec[1:]) for spec in plan]
    go.touch()
    _finish(workers)

    db = pymongo.MongoClient(wire.uri, tz_aware=True)[name]
    log = AuditLog(db=db)
    assert log.verify() == []
    per_chain = Counter(e["chain"] for e in db["audit_log"].find({}, {"chain": 1}))
    assert sum(per_chain.values()) == 160
    assert per_chain["th-hoa-phong"] == 40 + 40 + 14
    for chain, count in per_chain.items():  # positions 1..count, each once
        assert sorted(e["seq"] for e in db["audit_log"].find({"chain": chain}, {"seq": 1})) == list(range(1, count + 1))
    assert [e["target"] for e in log.entries(tenant="th-son-tra", limit=1)]  # the read side still answers

    anchoring = AuditAnchoring(db=db, service="approvals", store=LocalAnchorStore(tmp_path / "anchors"),
                               timestamper=DevelopmentTimeStamper())
    anchor = anchoring.anchor_once()
    assert anchor is not None and {h["chain"] for h in anchor["heads"]} == set(per_chain)  # one token, every head
    assert anchoring.anchor_once() is None
    assert anchoring.verify() == []


def test_two_relay_replicas_run_every_slot_exactly_once(wire: WireDatabase, tmp_path: Path) -> None:
    name, slots = f"wire_claims_{uuid.uuid4().hex[:8]}", 25
    replicas = [_start(CLAIM_WORKER, wire.uri, name, str(slots), str(tmp_path)) for _ in range(2)]
    for slot in range(1, slots + 1):
        (tmp_path / f"go-{slot}").touch()
        for _ in range(30_000):  # bounded: both replicas have tried this slot
            if len(list(tmp_path.glob(f"done-{slot}-*"))) == 2 or any(r.poll() is not None for r in replicas):
                break
            time.sleep(0.01)
    _finish(replicas)
    runs = list(pymongo.MongoClient(wire.uri)[name]["runs"].find({}, {"_id": 0}))
    assert sorted(r["slot"] for r in runs) == list(range(1, slots + 1))  # N slots, N runs, none twice


class _Recording:
    def __init__(self) -> None:
        self.published: list[Event] = []
        self.arrived = threading.Event()

    def publish_many(self, events: list[Event]) -> None:
        self.published.extend(events)
        self.arrived.set()


def test_a_write_in_another_process_wakes_the_relay_through_the_change_stream(wire: WireDatabase) -> None:
    db = pymongo.MongoClient(wire.uri, tz_aware=True)[f"wire_relay_{uuid.uuid4().hex[:8]}"]
    lessons = db["lessons"]
    lessons.insert_one({"_id": "idle", "outbox": [], "outbox_pending": False})
    publisher = _Recording()
    relay = OutboxRelay(collections=[lessons, db["plans"]], publisher=publisher)
    stop = threading.Event()
    runner = threading.Thread(target=relay.run, args=(stop,), kwargs={"idle_min": 60.0, "idle_max": 60.0}, daemon=True)
    runner.start()
    assert relay.watching.wait(60), "the relay opens a change stream on the wire database"
    event = Event(type="documents.lesson.renamed", data={"title": "Bài 2"}, tenant="th-hoa-phong")
    writer = _start("import json, sys, pymongo; pymongo.MongoClient(sys.argv[1])[sys.argv[2]]['lessons'].update_one("
                    "{'_id': 'idle'}, {'$set': {'outbox_pending': True}, '$push': {'outbox': json.loads(sys.argv[3])}})",
                    wire.uri, db.name, json.dumps(event.to_dict()))
    _finish([writer])
    assert publisher.arrived.wait(30), "a minute of backoff, yet the other process's write is relayed"
    assert [e.id for e in publisher.published] == [event.id]
    stop.set()
    OUTBOX_WRITTEN.notify()
    runner.join(timeout=30)
    assert not runner.is_alive()
