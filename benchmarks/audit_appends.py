"""Audit appends per second from 1, 2 and 4 worker processes over the MongoDB wire protocol.

Every process appends to the audit log of one shared database (SecantusDB, started here on loopback
unless ``--uri`` names a server) for ``--seconds``: once with every append for ONE school, once
spread over ``--schools`` schools. Two designs in the same run, each on a fresh database:

- ``per-school chains``: ``services.kernel.audit.AuditLog`` (one chain per school; unique index on
  ``(chain, seq)``, the last position remembered per process, the head moved by one upsert);
- ``reference``: the former single chain per service database, its append copied below unchanged
  (``SingleChainReference``): every append reads the one chain's end, inserts under a unique index
  on ``seq`` and retries on a collision, then moves the one head.

Printed: appends/s per design and configuration, the ratio new/reference, and the round trips per
append (every command the workers sent, failed inserts on a taken position included: what
contention costs, independent of the server's speed). With one school both
designs share one chain, so the ratio shows only the saved round trip; with many schools it shows
the serialisation point gone. The wire server is one process on a 2-core machine shared with the
workers, so the absolute figures are the stand-in's; the ratio is what carries over.

    python -m benchmarks audit_appends [--seconds 3] [--schools 200] [--uri mongodb://...]
"""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import random
import time
import uuid
from collections.abc import Mapping
from typing import Any

import pymongo
from pymongo import DESCENDING, monitoring
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from infra.standins.wire_db import WireDatabase
from services.kernel.audit import GENESIS, AuditLog, entry_hash
from services.kernel.clock import SystemClock


class SingleChainReference:
    """REFERENCE ONLY: the audit append as it was before per-school chains (one chain per service
    database), copied from ``services/kernel/audit.py`` so both designs run in the same benchmark."""

    def __init__(self, *, db: Database, collection: str = "audit_log") -> None:
        self._entries = db[collection]
        self._head = db[collection + "_head"]
        self._clock = SystemClock()
        self._entries.create_index([("seq", pymongo.ASCENDING)], unique=True)
        self._entries.create_index([("tenant", pymongo.ASCENDING), ("seq", DESCENDING)])
        self._entries.create_index([("target", pymongo.ASCENDING), ("seq", DESCENDING)])

    def append(self, *, action: str, actor: str | None, tenant: str | None, target: str | None = None,
               data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        for _ in range(50):
            last = self._entries.find_one({}, {"seq": 1, "hash": 1}, sort=[("seq", DESCENDING)])
            seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS)
            entry = {"seq": seq + 1, "at": self._clock.now().isoformat(), "action": action, "actor": actor,
                     "on_behalf_of": None, "tenant": tenant, "district": None, "target": target,
                     "data": dict(data or {}), "request_id": None, "prev_hash": prev}
            entry["hash"] = entry_hash(entry)
            try:
                self._entries.insert_one(dict(entry))
            except DuplicateKeyError:
                continue
            if not self._head.update_one({"_id": "head", "seq": {"$lt": entry["seq"]}},
                                         {"$set": {"seq": entry["seq"], "hash": entry["hash"]}}).matched_count:
                with contextlib.suppress(DuplicateKeyError):  # a later entry already moved the head
                    self._head.insert_one({"_id": "head", "seq": entry["seq"], "hash": entry["hash"]})
            return entry
        raise RuntimeError("audit log append kept colliding")


class _Commands(monitoring.CommandListener):
    """Counts the commands a worker sends (its round trips), collisions included."""

    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Nothing to count."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Nothing to count."""


def _worker(uri: str, name: str, design: str, schools: list[str], seconds: float,
            ready: Any, go: Any, results: Any) -> None:
    commands = _Commands()
    db = pymongo.MongoClient(uri, tz_aware=True, event_listeners=[commands])[name]
    log: Any = AuditLog(db=db) if design == "new" else SingleChainReference(db=db)
    ready.release()
    go.wait()
    done, before, deadline = 0, commands.count, time.monotonic() + seconds
    while time.monotonic() < deadline:
        log.append(action="submission.approved", actor="thhp.totruong", tenant=random.choice(schools),
                   target=f"sub-{done}", data={"n": done, "note": "Đồng ý"})
        done += 1
    results.put((done, commands.count - before))


def run(uri: str, design: str, workers: int, schools: list[str], seconds: float) -> tuple[float, float]:
    """Appends per second of ``workers`` processes appending for ``seconds`` on a fresh database, and
    round trips per append."""
    ctx = multiprocessing.get_context("spawn")
    ready, go, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    name = f"bench_audit_{uuid.uuid4().hex[:8]}"
    procs = [ctx.Process(target=_worker, args=(uri, name, design, schools, seconds, ready, go, results))
             for _ in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    started = time.monotonic()
    go.set()
    counts = [results.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.monotonic() - started
    total, trips = sum(c[0] for c in counts), sum(c[1] for c in counts)
    for p in procs:
        p.join(timeout=30)
    client = pymongo.MongoClient(uri)
    if design == "new":
        assert not AuditLog(db=client[name]).verify(), "the per-school chains must verify"
    client.drop_database(name)
    return total / elapsed, trips / max(total, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--uri", default=None, help="a MongoDB server; default: start SecantusDB here")
    args = parser.parse_args()
    many = [f"school-{n:04d}" for n in range(args.schools)]
    server = None if args.uri else WireDatabase().start()
    uri = args.uri or server.uri
    try:
        print(f"audit appends/s over the wire ({'given server' if args.uri else 'SecantusDB'}), "
              f"{args.seconds:.0f} s per run")
        print(f"{'workers':>7}  {'schools':>7}  {'per-school chains':>17}  {'reference (one chain)':>21}  {'ratio':>6}"
              f"  {'round trips/append: new':>23}  {'reference':>9}")
        for workers in (1, 2, 4):
            for label, schools in (("1", ["th-hoa-phong"]), (str(args.schools), many)):
                new, new_trips = run(uri, "new", workers, schools, args.seconds)
                ref, ref_trips = run(uri, "reference", workers, schools, args.seconds)
                print(f"{workers:>7}  {label:>7}  {new:>17.0f}  {ref:>21.0f}  {new / ref:>5.2f}×"
                      f"  {new_trips:>23.2f}  {ref_trips:>9.2f}", flush=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
