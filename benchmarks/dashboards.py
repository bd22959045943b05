"""Dashboard read time for a province of 3,000 schools: a year of submissions, then 10× as many.

The dashboards read running totals (``ProgressDoc`` counters), so their cost should not grow
with the number of submissions. The benchmark builds a province (``so-bench``) of 30 units ×
100 schools, writes the identity projection (``schools``) and the counters of one school
year, and times ``GET /api/v1/dashboards/province/…``, ``…/unit/…`` and ``…/school/…``
through the approvals service's HTTP API (Flask test client, a real signed token, the
service's own routing, validation, permission checks and audit entry; no gateway).

How the counters are built (a year of events would take hours): submissions are folded
directly. For each school and month the benchmark draws the month's submissions (a year is
``--per-school`` submissions per school, 600 by default: 1.8 million for the province;
10× is 18 million), splits them into on time / late / missing / awaiting approval / awaiting
signature / approved with a per-school quality, and passes each such cell through the
consumer's own ``counter_updates`` (what ``ProgressProjection.apply`` writes), summing the
updates in memory and inserting the summed documents into an emptied collection. The 10×
data set has the same documents with 10× the figures, exactly what replaying 10× the events
would leave.

On mongomock (no MongoDB here) every query scans its whole collection, so to keep the run
short the tổ and teacher counters (4 tổ × 2 teachers) are written only for the ``--detailed``
schools the school view reads, and only the all-books counters (``book = "*"``); schools,
units and the province have every month and the year. On MongoDB each query is an indexed
lookup (``ProgressDoc`` indexes) and this shortcut would not be needed.

    python -m benchmarks.dashboards [--per-school 600] [--views 20]

Reference: p95 at 10× within 2× of the p95 at 1× (the printed ratio), and the same number
of database calls per request at both sizes.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from services.approvals.adapters.documents import ProgressDoc, SchoolDoc
from services.approvals.service_layer.progress import COUNTERS, counter_updates

PROVINCE = "so-bench"
UNITS = 30
SCHOOLS_PER_UNIT = 100
YEAR = "2025-2026"
MONTHS = [f"2025-{m:02d}" for m in range(8, 13)] + [f"2026-{m:02d}" for m in range(1, 8)]
TEACHING = MONTHS[1:10]  # September to May: when books fall due
TO_COUNT, TEACHERS_PER_TO = 4, 2


def unit_id(u: int) -> str:
    return f"xa-bench-{u:02d}"


def school_id(u: int, s: int) -> str:
    return f"truong-{u:02d}-{s:03d}"


def schools() -> Iterator[tuple[str, str]]:
    for u in range(UNITS):
        for s in range(SCHOOLS_PER_UNIT):
            yield unit_id(u), school_id(u, s)


def cell(rnd: random.Random, submitted: int, quality: float) -> dict[str, int]:
    """One month's figures of a school (or teacher) from its submissions and its quality (0..1)."""
    on_time = int(submitted * (0.6 + 0.35 * quality))
    approved = int(submitted * 0.9)
    return {"owed": submitted + int(submitted * (1 - quality) * 0.2), "on_time": on_time, "late": submitted - on_time,
            "missing": int(submitted * (1 - quality) * 0.2), "awaiting": submitted - approved,
            "awaiting_signature": int(approved * 0.02), "approved": approved,
            "approval_seconds": approved * int(3600 * (4 + 44 * (1 - quality) * rnd.random()))}


def build(per_school: int, detailed: set[str], seed: int = 11) -> list[dict[str, Any]]:
    """The counter documents of a year with ``per_school`` submissions per school, summed in memory."""
    rnd = random.Random(seed)
    per_month = max(1, per_school // len(TEACHING))
    heads: dict[str, dict] = {}
    inc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def fold(updates: list[tuple[dict, dict]]) -> None:
        for flt, update in updates:
            key = flt["_id"]
            heads.setdefault(key, update["$setOnInsert"])
            for k, v in update["$inc"].items():
                inc[key][k] += v

    for unit, school in schools():
        quality = rnd.random()
        for month in TEACHING:
            if school in detailed:  # per teacher (and so per tổ, school, unit, province)
                share = max(1, per_month // (TO_COUNT * TEACHERS_PER_TO))
                for t in range(TO_COUNT):
                    for g in range(TEACHERS_PER_TO):
                        fold(counter_updates(tenant=school, district=unit, unit=f"{school}/to-{t + 1}",
                                             periods=(month, YEAR), deltas=cell(rnd, share, quality),
                                             province=PROVINCE, person=f"gv-{t + 1}-{g + 1}"))
            else:
                fold(counter_updates(tenant=school, district=unit, unit=None, periods=(month, YEAR),
                                     deltas=cell(rnd, per_month, quality), province=PROVINCE))
    return [{"_id": k, **heads[k], **{c: 0 for c in COUNTERS}, **v} for k, v in inc.items()]


def school_docs() -> list[dict[str, Any]]:
    """The identity projection of the province (what ``identity.school.onboarded`` writes)."""
    return [{"_id": s, "slug": s, "name": f"Trường {s}", "levels": ["tieu_hoc"], "district_id": u, "province_id": PROVINCE,
             "units": [{"id": f"{s}/to-{t + 1}", "slug": f"to-{t + 1}", "name": f"Tổ {t + 1}", "kind": "to_chuyen_mon"}
                       for t in range(TO_COUNT)]} for u, s in schools()]


class CallCounter:
    """Counts every collection method the request calls (pymongo and mongomock alike)."""

    METHODS = ("find", "find_one", "insert_one", "insert_many", "update_one", "update_many", "aggregate",
               "count_documents", "distinct", "find_one_and_update")

    def __init__(self) -> None:
        self.n = 0
        self.depth = 0
        self.saved: list[tuple[type, str, Callable]] = []

    def __enter__(self) -> "CallCounter":
        from pymongo.collection import Collection
        import mongomock

        for t in (Collection, mongomock.collection.Collection):
            for name in self.METHODS:
                fn = getattr(t, name)
                self.saved.append((t, name, fn))
                setattr(t, name, self._wrap(fn))
        return self

    def _wrap(self, fn: Callable) -> Callable:
        def counted(coll: Any, *a: Any, **kw: Any) -> Any:
            if self.depth:  # mongomock's find_one calls find: one database call, counted once
                return fn(coll, *a, **kw)
            self.n += 1
            self.depth += 1
            try:
                return fn(coll, *a, **kw)
            finally:
                self.depth -= 1
        return counted

    def __exit__(self, *exc: object) -> None:
        for t, name, fn in self.saved:
            setattr(t, name, fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-school", type=int, default=600, help="submissions per school in the 1× year")
    parser.add_argument("--views", type=int, default=30, help="timed requests per view kind and size")
    parser.add_argument("--detailed", type=int, default=30, help="schools with tổ and teacher counters")
    args = parser.parse_args()

    from services.approvals.bootstrap import bootstrap
    from services.approvals.entrypoints.app import create_app
    from services.kernel.messaging import InMemoryPublisher
    from services.kernel.testing import TokenFactory

    tokens = TokenFactory()
    container = bootstrap({"mode": "test", "log_json": False, "db_name": "hoso_approvals_bench_dash"}, environ={},
                          publisher=InMemoryPublisher(), verifier=tokens.verifier())
    client = create_app(container=container).test_client()
    db = container.runtime.db
    SchoolDoc._get_collection().delete_many({})
    SchoolDoc._get_collection().insert_many(school_docs())
    rnd = random.Random(3)
    detailed = {school_id(rnd.randrange(UNITS), rnd.randrange(SCHOOLS_PER_UNIT)) for _ in range(args.detailed)}
    sizes = {1: args.per_school, 10: args.per_school * 10}
    collections = {}
    total_schools = UNITS * SCHOOLS_PER_UNIT
    print(f"dashboards, province of {UNITS} units × {SCHOOLS_PER_UNIT} schools = {total_schools:,} schools, "
          f"school year {YEAR}")
    for factor, per_school in sizes.items():
        t0 = time.perf_counter()
        docs = build(per_school, detailed)
        coll = db[f"progress_bench_dash_{factor}x"]
        coll.delete_many({})
        coll.insert_many(docs)
        collections[factor] = coll
        print(f"  {factor:>2}×: {per_school * total_schools:>11,} submissions folded into {len(docs):,} counter "
              f"documents in {time.perf_counter() - t0:.1f} s")

    so = tokens.issue("so.bench", province=PROVINCE, roles=["chuyen_vien_so"])
    headers = {"Authorization": f"Bearer {so}"}
    detailed_list = sorted(detailed)
    paths: dict[str, Callable[[int], str]] = {
        "province": lambda i: f"/api/v1/dashboards/province/{PROVINCE}?year={YEAR}",
        "unit": lambda i: f"/api/v1/dashboards/unit/{unit_id(i % UNITS)}?year={YEAR}&period={TEACHING[i % 9]}",
        "school": lambda i: f"/api/v1/dashboards/school/{detailed_list[i % len(detailed_list)]}?year={YEAR}",
    }
    samples: dict[tuple[str, int], list[float]] = defaultdict(list)
    calls: dict[tuple[str, int], list[int]] = defaultdict(list)
    rows: dict[tuple[str, int], int] = {}
    original = ProgressDoc._collection
    batch = 5
    try:
        for round_ in range(max(1, args.views // batch)):  # interleaved, so the machine's noise hits both sizes
            for factor, coll in collections.items():
                ProgressDoc._collection = coll
                for kind, path in paths.items():
                    for j in range(batch):
                        i = round_ * batch + j
                        with CallCounter() as counter:
                            t0 = time.perf_counter()
                            resp = client.get(path(i), headers=headers)
                            samples[(kind, factor)].append(time.perf_counter() - t0)
                        assert resp.status_code == 200, (resp.status_code, resp.get_json())
                        calls[(kind, factor)].append(counter.n)
                        rows[(kind, factor)] = len(resp.get_json()["rows"])
    finally:
        ProgressDoc._collection = original

    def p95(xs: list[float]) -> float:
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]

    worst = 0.0
    for kind in paths:
        one, ten = p95(samples[(kind, 1)]), p95(samples[(kind, 10)])
        worst = max(worst, ten / one)
        for factor in sizes:
            xs = samples[(kind, factor)]
            print(f"  {kind:<8} {factor:>2}×: p50 {statistics.median(xs) * 1e3:7.1f} ms, p95 {p95(xs) * 1e3:7.1f} ms, "
                  f"{rows[(kind, factor)]:>3} rows, database calls per request {sorted(set(calls[(kind, factor)]))}")
        print(f"  {kind:<8} ratio p95 10×/1×: {ten / one:.2f}")
    print(f"  largest ratio: {worst:.2f} (reference: ≤ 2.00)")
    print("  " + ("MongoDB" if os.environ.get("MONGO_URI") else
                  "mongomock: every query scans its collection (on MongoDB each is an indexed lookup); the calls "
                  "per request include the audit entry of the Sở's read (one find_one, one insert)"))


if __name__ == "__main__":
    main()
