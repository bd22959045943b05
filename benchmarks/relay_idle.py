"""What an idle outbox relay costs, and how fast an event still leaves: polling against wake-ups.

Two designs in the same run, each relay in its own process:

- ``reference``: the former relay loop, copied below unchanged (``PollingReference``): a pass over
  every outbox collection, then a sleep of 0.2 s (production's ``run_relay``) or 0.1 s (all-in-one)
  whenever a pass found nothing: 5–10 queries per second per collection, forever;
- ``wake-ups``: ``services.kernel.outbox.OutboxRelay.run``: a pass when woken (a change stream on
  the wire database; a save in the same process), otherwise backoff from 0.05 s to 2 s.

Scenarios:

1. production: one ``relay-<service>`` process over the wire database (SecantusDB here) with four
   outbox collections (approvals has four); the events are written by another process (a web
   worker). Printed: the relay process's CPU seconds per minute while idle, the database server's
   CPU seconds per minute in the same window, and the latency from a web worker's write to the
   publish (p50 and max over ``--events`` events, written at random moments while the relay idles);
2. all-in-one: five relays (one per service) in one process on mongomock, idle: CPU s per minute.

    python -m benchmarks relay_idle [--idle 20] [--events 10]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

import pymongo

from infra.standins.wire_db import WireDatabase
from services.kernel.events import Event
from services.kernel.outbox import OutboxRelay


class PollingReference(OutboxRelay):
    """REFERENCE ONLY: the relay loop as it was before wake-ups (copied from ``services/kernel/outbox.py``)."""

    def run(self, stop: threading.Event, *, interval: float = 0.2) -> None:  # type: ignore[override]
        while not stop.is_set():
            try:
                n = self.relay_once()
            except Exception:  # noqa: BLE001 - (as it was) broker down or similar: try again later
                n = 0
            if n == 0:
                stop.wait(interval)


class StampingPublisher:
    """Publishes nowhere; reports each event's id and the instant it was published."""

    def __init__(self, out: Any) -> None:
        self._out = out

    def publish_many(self, events: Sequence[Event]) -> None:
        now = time.time()
        for e in events:
            self._out.put((e.id, now))


def _relay_process(uri: str | None, name: str, design: str, interval: float, out: Any, ready: Any) -> None:
    if uri is None:  # all-in-one: five services' relays on mongomock in one process
        import mongomock

        client: Any = mongomock.MongoClient(tz_aware=True)
        groups = [[client[f"{name}_{s}"][f"outbox_{i}"] for i in range(4)] for s in range(5)]
    else:
        db = pymongo.MongoClient(uri, tz_aware=True)[name]
        groups = [[db[f"outbox_{i}"] for i in range(4)]]
    for group in groups:
        for coll in group:
            coll.create_index("outbox_pending", partialFilterExpression={"outbox_pending": True})
    stop = threading.Event()
    for group in groups:
        if design == "reference":
            relay: OutboxRelay = PollingReference(collections=group, publisher=StampingPublisher(out))
            threading.Thread(target=relay.run, args=(stop,), kwargs={"interval": interval}, daemon=True).start()
        else:
            relay = OutboxRelay(collections=group, publisher=StampingPublisher(out))
            threading.Thread(target=relay.run, args=(stop,), daemon=True).start()
    ready.set()
    stop.wait()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (from /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(uri: str | None, server_pid: int | None, design: str, interval: float, idle: float,
            events: int) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    out, ready = ctx.Queue(), ctx.Event()
    name = f"bench_relay_{uuid.uuid4().hex[:8]}"
    proc = ctx.Process(target=_relay_process, args=(uri, name, design, interval, out, ready), daemon=True)
    proc.start()
    ready.wait(120)
    time.sleep(3.0)  # past start-up: the backoff reaches its ceiling, the change stream is open
    relay0, server0, t0 = cpu_seconds(proc.pid), cpu_seconds(server_pid) if server_pid else 0.0, time.monotonic()
    time.sleep(idle)
    elapsed = time.monotonic() - t0
    result: dict[str, Any] = {"relay_cpu_per_min": (cpu_seconds(proc.pid) - relay0) * 60 / elapsed}
    if server_pid:
        result["server_cpu_per_min"] = (cpu_seconds(server_pid) - server0) * 60 / elapsed
    latencies: list[float] = []
    if uri is not None:
        coll = pymongo.MongoClient(uri, tz_aware=True)[name]["outbox_2"]  # this process plays a web worker
        for n in range(events):
            time.sleep(random.uniform(0.5, 2.5))  # the relay is idle, its backoff grown
            event = Event(type="approvals.submission.approved", data={"n": n}, tenant="th-hoa-phong")
            written = time.time()
            coll.insert_one({"_id": f"doc-{n}", "outbox": [json.loads(json.dumps(event.to_dict()))],
                             "outbox_pending": True})
            event_id, published = out.get(timeout=60)
            assert event_id == event.id
            latencies.append(published - written)
        result["latency_p50_ms"] = statistics.median(latencies) * 1000
        result["latency_max_ms"] = max(latencies) * 1000
    proc.terminate()
    proc.join(timeout=10)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle measured per design")
    parser.add_argument("--events", type=int, default=10)
    args = parser.parse_args()
    with WireDatabase() as server:
        assert server._process is not None  # noqa: SLF001 - the server's pid, for its CPU time
        pid = server._process.pid  # noqa: SLF001
        print(f"relay_idle: idle {args.idle:.0f} s per design, {args.events} events written by another process")
        ref = measure(server.uri, pid, "reference", 0.2, args.idle, args.events)
        new = measure(server.uri, pid, "wake-ups", 0.2, args.idle, args.events)
        print("1. production relay (4 outbox collections) over the wire database")
        print(f"   {'':34}{'wake-ups':>12}{'reference (0.2 s)':>20}{'ratio':>9}")
        for key, label in (("relay_cpu_per_min", "relay CPU s per idle minute"),
                           ("server_cpu_per_min", "database CPU s per idle minute"),
                           ("latency_p50_ms", "write → publish p50 (ms)"), ("latency_max_ms", "write → publish max (ms)")):
            print(f"   {label:34}{new[key]:>12.3f}{ref[key]:>20.3f}{new[key] / ref[key]:>8.3f}×")
    ref = measure(None, None, "reference", 0.1, args.idle, 0)
    new = measure(None, None, "wake-ups", 0.1, args.idle, 0)
    print("2. all-in-one: five relays in one process on mongomock, idle")
    print(f"   {'relay CPU s per idle minute':34}{new['relay_cpu_per_min']:>12.3f}{ref['relay_cpu_per_min']:>20.3f}"
          f"{new['relay_cpu_per_min'] / ref['relay_cpu_per_min']:>8.3f}×   (reference polls every 0.1 s)")


if __name__ == "__main__":
    main()
