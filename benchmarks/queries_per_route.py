"""Database commands per request of every GET route, over the wire, with 10 and with 1,000 schools.

The whole platform runs in this process on the wire-compatible database (SecantusDB, over the
MongoDB wire protocol) with the demo district. The routes and their real ids come from the trust
suite's isolation matrix (every service's OpenAPI document; school A's objects harvested from
its lists). Each GET route is called as the first of school A's people (then the district's
staff) it answers 200 to, once to warm caches and once counted: pymongo's command monitoring
counts the commands the services' request threads send. Then school A is copied, with
``insert_many`` straight into every service's database, until the district has 10 schools, and
then 1,000; the counts are taken again. The reference is the 10-school count; a route whose count
grows with the number of schools is flagged (N+1 queries).

    ./dev bench queries_per_route [--schools 1000]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

from benchmarks._commands import CommandCounter, install_counter
from benchmarks._schools import clone_school
from infra.demo.district import DEMO_DISTRICT
from infra.standins.wire_db import WireDatabase
from tests.trust.platform import People, running_platform
from tests.trust.test_isolation_matrix import (A_PEOPLE, PUBLIC, SCHOOL_A, VOCABULARY, Operation, World, op_query,
                                               operations)

SOURCE_PREFIX = "thhp."
SKIP = ("/agent/",)  # the signing agent's routes take a job-scoped token, no person's
DISTRICT, PROVINCE, YEAR = DEMO_DISTRICT.slug, DEMO_DISTRICT.province_slug, "2026-2027"
# Views the matrix's generic values do not reach, with the people who open them: the district's and
# the province's own pages, whose answers cover every school (service, path, path values, query, caller).
VIEWS: tuple[tuple[str, str, dict[str, str], dict[str, str], str], ...] = (
    ("approvals", "/api/v1/dashboards/{level}/{scope_id}", {"level": "unit", "scope_id": DISTRICT}, {"year": YEAR},
     "pgd.truongphong"),
    ("approvals", "/api/v1/dashboards/{level}/{scope_id}", {"level": "province", "scope_id": PROVINCE}, {"year": YEAR},
     "so.chuyenvien"),
    ("approvals", "/api/v1/dashboards/{level}/{scope_id}", {"level": "school", "scope_id": SCHOOL_A}, {"year": YEAR},
     "thhp.hieutruong"),
    ("approvals", "/api/v1/progress", {}, {"scope": "district", "id": DISTRICT, "period": YEAR}, "pgd.truongphong"),
    ("approvals", "/api/v1/progress", {}, {"scope": "school", "id": SCHOOL_A, "period": YEAR}, "thhp.hieutruong"),
    ("approvals", "/api/v1/reports", {}, {"unit": DISTRICT}, "pgd.truongphong"),
    ("notifications", "/api/v1/deliveries", {}, {"state": "dead"}, "thhp.quantri"),
    ("identity", "/api/v1/schools", {}, {}, "pgd.truongphong"),
    ("documents", "/api/v1/documents", {}, {}, "pgd.chuyenvien"),
)


@dataclass
class Count:
    """One route's commands per request, with the caller and the answer."""

    caller: str
    status: int
    commands: int
    names: str


def _values(world: World, op: Operation) -> dict[str, str]:
    return {p: SCHOOL_A if p == "school_id" else world.first(p) if p.endswith("_id") else VOCABULARY.get(p, "x")
            for p in op.path_params}


def _counted(world: World, counter: CommandCounter, op: Operation, caller: str,
             view: tuple[dict[str, str], dict[str, str]] | None = None) -> Count:
    world.people.token(caller)  # a sign-in is not the route's cost
    values, query = view or (_values(world, op), op_query(world, op))
    world.call(caller, op, values, query=query)  # warm: caches of keys, catalog, calendars
    before = counter.names()
    resp = world.call(caller, op, values, query=query)
    spent = counter.names() - before
    names = ",".join(f"{n}:{c}" for n, c in sorted(spent.items()))
    return Count(caller, resp.status_code, sum(spent.values()), names)


def measure(world: World, counter: CommandCounter, ops: list[Operation],
            callers: dict[str, str] | None = None) -> dict[str, Count]:
    """Commands per request of every GET route (with ``callers``: as those; else the first caller answered 200)."""
    staff = [p.username for p in DEMO_DISTRICT.staff]
    counts: dict[str, Count] = {}
    for op in ops:
        if op.method != "get" or any(s in op.path for s in SKIP):
            continue
        label = op.label()
        if callers is not None:
            counts[label] = _counted(world, counter, op, callers[label])
            continue
        owner = world.owner_of.get((op.object_params[0], world.first(op.object_params[0]))) if op.object_params else None
        candidates = [c for c in dict.fromkeys([owner, *A_PEOPLE, *staff]) if c]
        if (op.service, op.method, op.path) in PUBLIC:
            candidates = candidates[:1]
        first: Count | None = None
        for caller in candidates:
            found = _counted(world, counter, op, caller)
            first = first or found
            if found.status == 200:
                counts[label] = found
                break
        else:
            assert first is not None
            counts[label] = first
    for service, path, values, query, caller in VIEWS:
        view = Operation(service, "get", path, {}, {})
        label = f"{view.label()} {values or query}"
        counts[label] = _counted(world, counter, view, caller, (values, query))
    return counts


def report(small: dict[str, Count], large: dict[str, Count], schools: int) -> list[str]:
    """Print both counts per route; return the routes whose count grew."""
    grew: list[str] = []
    width = max(len(label) for label in small)
    print(f"\n{'route':<{width}}  status  10 schools  {schools} schools  ratio  caller")
    for label, ref in small.items():
        big = large[label]
        flag = ""
        if big.commands > ref.commands:
            grew.append(label)
            flag = "  GROWS"
        ratio = big.commands / ref.commands if ref.commands else 1.0
        print(f"{label:<{width}}  {ref.status:>3}/{big.status:<3} {ref.commands:>10}  {big.commands:>{len(str(schools)) + 8}}"
              f"  {ratio:5.2f}  {ref.caller}{flag}")
        if flag:
            print(f"    10: {ref.names}\n    {schools}: {big.names}")
    answered = sum(1 for c in small.values() if c.status == 200)
    print(f"\n{len(small)} GET routes ({answered} answered 200), {len(grew)} whose commands grow from 10 to {schools} schools"
          f"; commands per request: mean {sum(c.commands for c in small.values()) / len(small):.1f} (10 schools), "
          f"{sum(c.commands for c in large.values()) / len(large):.1f} ({schools} schools), "
          f"max {max(c.commands for c in large.values())}")
    return grew


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev bench queries_per_route", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=1000, help="schools of the larger district (default 1000)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HOSO_LOG_LEVEL", "ERROR")
    demo_schools = len(DEMO_DISTRICT.schools)
    with WireDatabase() as db:
        counter = install_counter()
        platform = running_platform({"MONGO_URI": db.uri})
        try:
            people = People(platform.url)
            ops = list(operations(platform.url))
            world = World(platform.url, people, ops)
            world.harvest_lists()
            world.make_objects()
            started = time.monotonic()
            seeded = clone_school(db.uri, source=SCHOOL_A, prefix=SOURCE_PREFIX, copies=range(1, 11 - demo_schools))
            print(f"10 schools: {sum(seeded.inserted.values())} records copied in {time.monotonic() - started:.1f} s")
            small = measure(world, counter, ops)
            started = time.monotonic()
            seeded = clone_school(db.uri, source=SCHOOL_A, prefix=SOURCE_PREFIX,
                                  copies=range(11 - demo_schools, args.schools + 1 - demo_schools))
            print(f"{args.schools} schools: {sum(seeded.inserted.values())} more records copied in "
                  f"{time.monotonic() - started:.1f} s ({sum(seeded.skipped.values())} refused by unique indexes: "
                  f"{dict(seeded.skipped)})")
            large = measure(world, counter, ops, {label: c.caller for label, c in small.items()})
        finally:
            platform.stop()
    grew = report(small, large, args.schools)
    return 1 if grew else 0


if __name__ == "__main__":
    sys.exit(main())
