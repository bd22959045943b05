"""Progress read time against the number of submissions: 10,000 → 100,000 → 1,000,000.

Progress is kept as running totals (one counter document per tổ / school / district and
month / school year) updated by the progress consumer from the service's own events.
Generating a million real submissions on mongomock would take hours, so for each size N
the benchmark builds N synthetic ``approvals.submission.submitted`` / ``.approved`` events
spread over a district of 100 schools × 4 tổ and 9 months, folds each through the
consumer's own code (``updates_for_event``, the function ``ProgressProjection.apply``
runs) and writes the summed counters in bulk (one ``insert_many`` into the emptied collection), exactly the documents the consumer
would have produced event by event. It then times ``ProgressProjection.read`` (what
``GET /api/v1/progress`` calls) for tổ, school and district scopes, and counts the
database calls each read makes (``find_one`` calls: the counter lookup and the audit chain's
last entry, since a read by district staff is logged).

    python -m benchmarks.approvals_progress [--sizes 10000,100000,1000000] [--reads 2000]

Reference: read time at the largest size within 2× of the smallest (flat); the printed
ratio is largest / smallest.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import defaultdict
from datetime import datetime

from services.approvals.adapters.documents import ProgressDoc
from services.approvals.domain.calendar import TIMEZONE
from services.approvals.service_layer.progress import ProgressProjection, updates_for_event
from services.approvals.events import APPROVED, RECOMPUTED, SUBMITTED
from services.kernel.events import declared
from services.kernel.testing import example_event
from services.kernel.principal import Principal

MONTHS = [(2025, m) for m in range(9, 13)] + [(2026, m) for m in range(1, 6)]
SCHOOLS = 100


def synthetic_events(n: int, seed: int = 7):
    """One recomputation per school (what is owed per tổ and month), then n submissions and most approvals."""
    for s in range(SCHOOLS):
        deltas = [{"unit": f"truong-{s:03d}/to-{t}", "period": f"{y}-{m:02d}", "year": "2025-2026", "owed": 150}
                  for t in range(1, 5) for y, m in MONTHS]
        yield example_event(RECOMPUTED, tenant=f"truong-{s:03d}", district="pgd-bench", deltas=deltas)
    rnd = random.Random(seed)
    for i in range(n):
        s, t = rnd.randrange(SCHOOLS), rnd.randrange(1, 5)
        y, m = MONTHS[rnd.randrange(len(MONTHS))]
        on_time = rnd.random() < 0.8
        due = datetime(y, m, 28, 23, 59, 59, tzinfo=TIMEZONE).isoformat()
        base = {"submission_id": f"s{i}", "unit": f"truong-{s:03d}/to-{t}", "school_year": "2025-2026", "due_at": due}
        yield example_event(SUBMITTED, tenant=f"truong-{s:03d}", district="pgd-bench", **base,
                            progress={"on_time" if on_time else "late": 1, "awaiting": 1})
        if rnd.random() < 0.9:
            yield example_event(APPROVED, tenant=f"truong-{s:03d}", district="pgd-bench", **base,
                                progress={"awaiting": -1})


def load(n: int, coll) -> tuple[float, int]:
    """Fold n submissions' events through the consumer's update function and write them in bulk."""
    coll.delete_many({})
    events = [(e, declared(e.type).read(e)) for e in synthetic_events(n)]  # the typed views the consumer gets
    start = time.perf_counter()
    sums: dict[str, dict] = {}
    inc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event, data in events:
        for flt, update in updates_for_event(event, data):
            key = flt["_id"]
            sums.setdefault(key, update["$setOnInsert"])
            for k, v in update["$inc"].items():
                inc[key][k] += v
    # the collection was emptied above, so the summed upserts are plain inserts of the summed documents
    docs = [{"_id": k, **sums[k], "owed": 0, "on_time": 0, "late": 0, "missing": 0, "awaiting": 0, **v}
            for k, v in inc.items()]
    coll.insert_many(docs, ordered=False)
    return time.perf_counter() - start, len(docs)


def time_reads(collections: dict[int, object], reads: int, projection: ProgressProjection,
               batch: int = 50) -> dict[int, tuple[float, float, int]]:
    """Interleave batches of reads over every size so the shared machine's noise hits all sizes alike."""
    from pymongo.collection import Collection
    import mongomock

    boss = Principal(sub="pgd", district="pgd-bench", roles=frozenset({"truong_phong"}))
    calls = {"n": 0}
    saved = [(t, "find_one", t.find_one) for t in (Collection, mongomock.collection.Collection)]
    for t, name, fn in saved:
        setattr(t, name, (lambda f: lambda self, *a, **kw: (calls.__setitem__("n", calls["n"] + 1), f(self, *a, **kw))[1])(fn))
    samples: dict[int, list[float]] = {n: [] for n in collections}
    counted: dict[int, int] = {n: 0 for n in collections}
    original = ProgressDoc._collection
    rnd = random.Random(1)
    try:
        for _ in range(max(1, reads // batch)):
            for n, coll in collections.items():
                ProgressDoc._collection = coll
                before = calls["n"]
                for i in range(batch):
                    s, t = rnd.randrange(SCHOOLS), rnd.randrange(1, 5)
                    y, m = MONTHS[rnd.randrange(len(MONTHS))]
                    kind, sid = [("to", f"truong-{s:03d}/to-{t}"), ("school", f"truong-{s:03d}"), ("district", None)][i % 3]
                    t0 = time.perf_counter()
                    projection.read(boss, kind, sid, f"{y}-{m:02d}")
                    samples[n].append(time.perf_counter() - t0)
                counted[n] += calls["n"] - before
    finally:
        ProgressDoc._collection = original
        for t, name, fn in saved:
            setattr(t, name, fn)
    out = {}
    for n, xs in samples.items():
        xs.sort()
        out[n] = (statistics.median(xs), xs[int(len(xs) * 0.99)], counted[n] // len(xs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args()
    from services.approvals.bootstrap import bootstrap
    from services.kernel.messaging import InMemoryPublisher

    container = bootstrap({"mode": "test", "db_name": "hoso_approvals_bench"}, publisher=InMemoryPublisher())
    sizes = [int(x) for x in args.sizes.split(",")]
    collections = {}
    print(f"progress reads, district of {SCHOOLS} schools × 4 tổ, 9 months ({args.reads} reads per size, interleaved)")
    for n in sizes:
        coll = container.runtime.db[f"progress_bench_{n}"]
        load_s, docs = load(n, coll)
        collections[n] = coll
        print(f"  {n:>9,} submissions folded into {docs:,} counter documents in {load_s:.1f} s")
    results = time_reads(collections, args.reads, ProgressProjection(audit_log=container.runtime.audit))
    for n in sizes:
        p50, p99, per_read = results[n]
        print(f"  {n:>9,} submissions: read p50 {p50 * 1e6:.0f} µs, p99 {p99 * 1e6:.0f} µs, "
              f"{per_read} database call(s) per read")
    print(f"  ratio largest/smallest p50: {results[sizes[-1]][0] / results[sizes[0]][0]:.2f} (reference: ≤ 2.00)")
    print("  " + ("MongoDB" if os.environ.get("MONGO_URI") else
                  "mongomock scans the whole counter collection on every read; on MongoDB it is an _id lookup"))


if __name__ == "__main__":
    main()
