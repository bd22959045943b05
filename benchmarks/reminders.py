"""Reminders for a district of 5,000 people at one deadline: computed, queued, and what it costs.

50 schools × 100 people (a principal, a PHT, 4 tổ trưởng, 94 teachers in 4 tổ); every tổ trưởng and
teacher owes one lesson plan due on Friday 28/11/2025 at 17:00. At Wednesday 07:00 (two days before) the
reminder job runs once: approvals' due feed (``DueObligations.page``, called in process with a
service principal), the stages, the grouping, the dispatcher writing every inbox entry. Printed:
the time, the MongoDB round trips (collection operations, counted on mongomock or MongoDB alike)
per person, and the same for a reference run in the same process: the naive loop that reads each
obligation's school, policy, chain, memberships and sent record one query at a time (on a sample
of ``--sample`` obligations, extrapolated per person). A second run at the same instant must
queue nothing.

    python -m benchmarks reminders [--people 5000] [--sample 200]

Under mongomock (no ``MONGO_URI``) every query scans its collection, so the times measure
mongomock; the query counts per person are what carries over to MongoDB.
"""
from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from benchmarks._queries import counting_queries
from services.approvals.adapters.documents import MembershipDoc, ObligationDoc, SchoolChainDoc, SchoolDoc, SchoolSettingsDoc
from services.approvals.adapters.documents_service import FakeDocuments
from services.approvals.bootstrap import bootstrap as approvals_bootstrap
from services.approvals.domain.calendar import TIMEZONE
from services.kernel.clock import FixedClock
from services.kernel.messaging import InMemoryPublisher
from services.kernel.principal import SERVICE_ROLE, Principal
from services.notifications.adapters.inbox import NotificationDoc
from services.notifications.adapters.reminder_records import SentStageDoc
from services.notifications.bootstrap import bootstrap as notifications_bootstrap

DEADLINE = datetime(2025, 11, 28, 17, 0, tzinfo=TIMEZONE)
RUN_AT = datetime(2025, 11, 26, 7, 0, tzinfo=TIMEZONE)
SINCE = datetime(2025, 8, 1, tzinfo=TIMEZONE)
PER_SCHOOL = 100
SERVICE = Principal(sub="notifications", roles=frozenset({SERVICE_ROLE}), is_service=True)


def seed(people: int) -> None:
    """Schools, memberships and one open obligation per person, written in bulk."""
    schools, members, obligations = [], [], []
    for n in range(max(1, people // PER_SCHOOL)):
        sid = f"truong-{n:03d}"
        tos = [f"{sid}/to-{k}" for k in range(1, 5)]
        schools.append({"_id": sid, "slug": sid, "name": f"Trường số {n}", "levels": ["tieu_hoc"],
                        "district_id": "pgd-bench", "units": [{"id": t, "slug": t, "name": t, "kind": "to_chuyen_mon"}
                                                              for t in tos], "principal": f"{sid}.ht"})
        staff = [(f"{sid}.ht", "hieu_truong", None), (f"{sid}.pht", "pho_hieu_truong", None)]
        staff += [(f"{sid}.tt{k}", "to_truong", t) for k, t in enumerate(tos)]
        staff += [(f"{sid}.gv{k:02d}", "giao_vien", tos[k % 4]) for k in range(PER_SCHOOL - len(staff))]
        for person, role, unit in staff:
            members.append({"tenant_id": sid, "person": person, "role": role, "unit": unit, "since": SINCE, "until": None})
        for person, role, unit in staff[2:]:
            obligations.append({
                "_id": f"{sid}|ke_hoach_bai_day|tuan|2025-2026.t13|{person}", "tenant_id": sid, "district_id": "pgd-bench",
                "year": "2025-2026", "book_type": "ke_hoach_bai_day", "item": "tuan", "period_key": "2025-2026.t13",
                "period_label": "Tuần 13 (01/12/2025)", "subject": person, "owner": person, "unit": unit,
                "due_at": DEADLINE, "approval_due_at": None, "active": True, "satisfied": False,
                "submission_id": None, "overdue_emitted": False, "outbox": [], "outbox_pending": False})
    SchoolDoc._get_collection().insert_many(schools)
    MembershipDoc._get_collection().insert_many(members)
    ObligationDoc._get_collection().insert_many(obligations)


class InProcessApprovals:
    """Approvals' due feed called in process (what ``GET /internal/obligations/due`` runs)."""

    def __init__(self, container: Any) -> None:
        self.container = container

    def due(self, start: datetime, end: datetime) -> Iterator[list[dict[str, Any]]]:
        cursor = None
        while True:
            page = self.container.due.page(SERVICE, start=start, end=end, cursor=cursor, limit=200,
                                           now=self.container.runtime.clock.now())
            yield page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return

    def dashboard(self, level: str, scope_id: str, period: str) -> dict[str, Any]:
        """What ``GET /api/v1/dashboards/<level>/<id>?period=`` answers a service (the digests' figures)."""
        return self.container.dashboards.view(SERVICE, level, scope_id, period=period)


def naive(sample: int, clock: FixedClock) -> int:
    """The reference: one read per obligation of its school, policy, chain, people and sent record."""
    coll = ObligationDoc._get_collection()
    for o in coll.find({"active": True, "satisfied": False, "due_at": {"$gte": clock.now() - timedelta(days=15),
                                                                        "$lt": clock.now() + timedelta(days=15)}},
                       ).limit(sample):
        SchoolDoc._get_collection().find_one({"_id": o["tenant_id"]})
        SchoolSettingsDoc._get_collection().find_one({"tenant_id": o["tenant_id"]})
        SchoolChainDoc._get_collection().find_one({"tenant_id": o["tenant_id"], "book_type": o["book_type"]})
        list(MembershipDoc._get_collection().find({"tenant_id": o["tenant_id"], "unit": o.get("unit")}))
        SentStageDoc._get_collection().find_one({"_id": f"reminder:{o['_id']}:before-1:{DEADLINE.isoformat()}"})
        NotificationDoc._get_collection().find_one({"recipient": o["owner"], "key": o["_id"]})
    return sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=200, help="obligations the naive reference loop reads")
    args = parser.parse_args()
    clock = FixedClock(RUN_AT)
    approvals = approvals_bootstrap({"mode": "test", "db_name": "hoso_approvals_bench_reminders"}, environ={},
                                    clock=clock, publisher=InMemoryPublisher(), documents=FakeDocuments())
    notifications = notifications_bootstrap({"mode": "test", "db_name": "hoso_notifications_bench_reminders"},
                                            environ={}, clock=clock, publisher=InMemoryPublisher(),
                                            approvals_port=InProcessApprovals(approvals))
    seed(args.people)
    people = ObligationDoc._get_collection().count_documents({})
    job = notifications.reminders
    assert job is not None
    with counting_queries() as queries:
        start = time.perf_counter()
        result = job.remind_due()
        seconds = time.perf_counter() - start
    with counting_queries() as again_queries:
        again = job.remind_due()
    with counting_queries() as ref_queries:
        ref_start = time.perf_counter()
        sampled = naive(args.sample, clock)
        ref_seconds = time.perf_counter() - ref_start
    per_person = queries.total / people  # per person told (the principal and PHT owe none)
    ref_per_person = ref_queries.total / sampled
    where = "MongoDB" if os.environ.get("MONGO_URI") else "mongomock: times are mongomock's, counts carry over"
    print(f"a district of {args.people:,} people ({args.people // PER_SCHOOL} schools), {people:,} owing a lesson plan "
          f"at one deadline; run at {RUN_AT:%d/%m %H:%M} ({where})")
    print(f"  stages queued        : {result['stages']:,}; messages new in inboxes: {result['dispatched']:,}")
    print(f"  time                 : {seconds:.2f} s ({seconds / people * 1000:.2f} ms per person)")
    print(f"  database operations  : {queries.total:,} ({per_person:.3f} per person): {dict(queries.by_collection)}")
    print(f"  same instant again   : {again['dispatched']} new, {again_queries.total} operations")
    print(f"  reference (naive)    : {ref_per_person:.2f} operations per person, "
          f"{ref_seconds / sampled * 1000:.2f} ms per person (sample of {sampled})")
    print(f"  ratio to reference   : operations {per_person / ref_per_person:.3f}, "
          f"time per person {(seconds / people) / (ref_seconds / sampled):.3f} (lower is better)")


if __name__ == "__main__":
    main()
