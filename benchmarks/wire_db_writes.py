"""Single-document writes over the wire: SecantusDB as shipped against ``infra/standins/secantus_serve.py``.

pymongo makes every single-document write retryable, and SecantusDB as shipped scans (then, past
10,000, sorts) all its retryable-write records on each one, so its cost per write grows with the
writes it has seen. The same run starts both servers (each on its own empty storage) and sends
each ``--writes`` writes (an insert and an ``$inc`` by ``_id``, alternating, on a collection with
three indexes like the services' own). Printed per server: writes per second over the first and
the last 1,000, and the server's CPU seconds; then the ratio of the fixed server's last-1,000
rate to the shipped one's (the reference).

    python -m benchmarks wire_db_writes [--writes 14000]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import pymongo

from infra.standins.wire_db import WireDatabase

WINDOW = 1_000


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (from /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(*, as_shipped: bool, writes: int) -> dict[str, float]:
    """Start one server, send ``writes`` retryable writes, return the rates of the first and last window and CPU."""
    with tempfile.TemporaryDirectory(prefix="hoso-bench-wire-") as storage, \
            WireDatabase(storage=storage, as_shipped=as_shipped) as db:
        client: pymongo.MongoClient = pymongo.MongoClient(db.uri)
        coll = client["bench"]["submissions"]
        coll.create_index([("tenant_id", 1), ("state", 1)])
        coll.create_index([("obligation_id", 1), ("document_id", 1)])
        assert db._process is not None
        cpu0 = _cpu_seconds(db._process.pid)
        stamps = [time.perf_counter()]
        for i in range(writes):
            if i % 2 == 0:
                coll.insert_one({"_id": i, "tenant_id": "t1", "state": "submitted", "obligation_id": i % 97, "n": 0})
            else:
                coll.update_one({"_id": i - 1}, {"$inc": {"n": 1}})
            if (i + 1) % WINDOW == 0:
                stamps.append(time.perf_counter())
        cpu = _cpu_seconds(db._process.pid) - cpu0
        client.close()
    return {"first": WINDOW / (stamps[1] - stamps[0]), "last": WINDOW / (stamps[-1] - stamps[-2]), "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks wire_db_writes", description=__doc__)
    parser.add_argument("--writes", type=int, default=14_000, help="writes per server (past 10,000 the cap's sort starts)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.writes} writes per server")
    results = {}
    for name, as_shipped in (("as shipped (reference)", True), ("secantus_serve.py", False)):
        results[name] = r = run(as_shipped=as_shipped, writes=args.writes)
        print(f"{name:24} first {WINDOW}: {r['first']:7.0f} writes/s   last {WINDOW}: {r['last']:7.0f} writes/s   "
              f"server CPU {r['cpu']:6.1f} s")
    ref, fixed = results["as shipped (reference)"], results["secantus_serve.py"]
    print(f"ratio (last {WINDOW}, fixed / as shipped): {fixed['last'] / ref['last']:.1f}x; "
          f"server CPU ratio (as shipped / fixed): {ref['cpu'] / fixed['cpu']:.1f}x")


if __name__ == "__main__":
    main()
