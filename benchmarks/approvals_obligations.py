"""Obligations of a whole district for a full school year: 100 schools × 50 staff, 2025–2026.

Each school has 4 tổ chuyên môn, a tổ văn phòng and 20 classes; its 50 people are a
principal, 2 PHT, a tổng phụ trách, a văn thư, a kế toán, a quản trị and 43 teachers (each
tổ with a tổ trưởng and a tổ phó; 20 teachers are GVCN). For every school the benchmark
computes every obligation of the year (``compute_obligations``: catalog × people × rules ×
calendar) and prints the total time, the number of obligations and the rate.

With ``--store N`` it also runs the full recomputation (compute, compare with what is
stored, insert) for N schools through the service and prints the time per school and the
number of database round trips per school (constant: one read of the school's stored
obligations, one bulk insert, and a handful of projection reads). Under mongomock (no
``MONGO_URI``) that time measures mongomock, not MongoDB.

    python -m benchmarks.approvals_obligations [--schools 100] [--store 5]

Reference: a whole district recomputed within 60 s (a nightly job, or the frame changing
in the middle of a school day); the printed ratio is measured / 60 s (lower is better).
"""
from __future__ import annotations

import argparse
import time
from datetime import date, datetime

from services.approvals.domain.calendar import TIMEZONE, Holiday, SchoolCalendar, SchoolYearFrame
from services.approvals.domain.catalog import parse_catalog
from services.approvals.domain.obligations import Membership, SchoolInfo, compute_obligations
from services.approvals.service_layer.setup import SetupService

REFERENCE_SECONDS = 60.0
FRAME = SchoolYearFrame(
    year="2025-2026", opening_day=date(2025, 9, 5), semester_1_end=date(2026, 1, 10), closing_day=date(2026, 5, 31),
    holidays=(Holiday("Tết Dương lịch", date(2026, 1, 1), date(2026, 1, 1)),
              Holiday("Tết Nguyên đán", date(2026, 2, 14), date(2026, 2, 22)),
              Holiday("30/4 và 1/5", date(2026, 4, 26), date(2026, 5, 1))),
    points={"giua_hk1": date(2025, 10, 31), "giua_hk2": date(2026, 3, 21)},
)
CALENDAR = SchoolCalendar(FRAME, {"dai_hoi_lien_doi": date(2025, 10, 10), "le_tong_ket": date(2026, 5, 25)})
SINCE = datetime(2025, 8, 1, tzinfo=TIMEZONE)


def school(n: int) -> tuple[SchoolInfo, list[Membership], list[dict]]:
    sid = f"truong-{n:03d}"
    tos = [f"{sid}/to-{k}" for k in range(1, 5)]
    classes = [f"{sid}/lop-{k}" for k in range(1, 21)]
    kinds = {**{t: "to_chuyen_mon" for t in tos}, f"{sid}/to-van-phong": "to_van_phong",
             **{c: "lop" for c in classes}}
    m = [Membership(f"{sid}.ht", "hieu_truong", None, SINCE), Membership(f"{sid}.pht1", "pho_hieu_truong", None, SINCE),
         Membership(f"{sid}.pht2", "pho_hieu_truong", None, SINCE),
         Membership(f"{sid}.tpt", "tong_phu_trach", None, SINCE),
         Membership(f"{sid}.vt", "van_thu", f"{sid}/to-van-phong", SINCE),
         Membership(f"{sid}.kt", "ke_toan", f"{sid}/to-van-phong", SINCE),
         Membership(f"{sid}.qt", "quan_tri", None, SINCE)]
    for k in range(43):
        person, to = f"{sid}.gv{k:02d}", tos[k % 4]
        m.append(Membership(person, "giao_vien", to, SINCE))
        if k < 4:
            m.append(Membership(person, "to_truong", to, SINCE))
        elif k < 8:
            m.append(Membership(person, "to_pho", to, SINCE))
        if k < 20:
            m.append(Membership(person, "giao_vien", classes[k], SINCE))
    units = [{"id": u, "slug": u.split("/")[1], "name": u, "kind": k} for u, k in kinds.items()]
    return SchoolInfo(sid, "pgd-bench", ("tieu_hoc",), kinds), m, units


def _catalog():
    """Documents' seeded tiểu học catalog, read as approvals reads it."""
    from services.documents.domain.catalog import BASE_CATALOGS
    from services.documents.domain.catalog_view import merge_levels, school_catalog_view

    merged = merge_levels({"tieu_hoc": BASE_CATALOGS["tieu_hoc"]}, "tieu_hoc")
    return parse_catalog(school_catalog_view("bench", ["tieu_hoc"], merged))


def compute_district(schools: int) -> tuple[float, int]:
    catalog = _catalog()
    books = catalog.owed_books()
    rules = {(b.slug, i.slug): i.default_for(("tieu_hoc",)) for b in books for i in b.items}
    approvals = SetupService.approval_rules(catalog, ("tieu_hoc",))
    data = [school(n) for n in range(schools)]
    start = time.perf_counter()
    total = 0
    for info, members, _ in data:
        total += len(compute_obligations(info, catalog, members, CALENDAR, rules, approvals))
    return time.perf_counter() - start, total


def store_schools(count: int) -> tuple[float, int, int]:
    """Full recomputation through the service for ``count`` schools; (seconds, obligations, round trips/school)."""
    from pymongo.collection import Collection

    from services.approvals.adapters.documents import ObligationDoc
    from services.approvals.adapters.documents_service import FakeDocuments
    from services.approvals.bootstrap import bootstrap
    from services.kernel.clock import FixedClock
    from services.kernel.messaging import InMemoryPublisher
    from services.kernel.principal import Principal

    c = bootstrap({"mode": "test", "db_name": "hoso_approvals_bench"},
                  clock=FixedClock(datetime(2025, 8, 15, tzinfo=TIMEZONE)), publisher=InMemoryPublisher(),
                  documents=FakeDocuments())
    c.setup.publish_frame(Principal(sub="pgd", district="pgd-bench", roles=frozenset({"truong_phong"})), FRAME)
    c.obligations.setup.recompute = lambda *_, **__: None  # seed the projection without recomputing per grant
    for n in range(count):
        info, members, units = school(n)
        c.setup.school_onboarded({"school_id": info.id, "slug": info.id, "name": info.id, "levels": ["tieu_hoc"],
                                  "district_id": "pgd-bench", "units": units})
        for m in members:
            c.setup.membership_granted({"person": m.person, "school": info.id, "role": m.role, "unit": m.unit,
                                        "at": SINCE.isoformat()})
    calls = {"n": 0}

    def counted(fn):
        def wrapper(self, *a, **kw):
            calls["n"] += 1
            return fn(self, *a, **kw)
        return wrapper

    import mongomock
    saved = [(t, name, getattr(t, name)) for t in (Collection, mongomock.collection.Collection)
             for name in ("find", "find_one", "insert_many", "insert_one", "update_many", "update_one")]
    for t, name, fn in saved:
        setattr(t, name, counted(fn))
    try:
        start = time.perf_counter()
        for n in range(count):
            c.obligations.recompute(f"truong-{n:03d}", "benchmark")
        elapsed = time.perf_counter() - start
    finally:
        for t, name, fn in saved:
            setattr(t, name, fn)
    stored = ObligationDoc.objects(district_id="pgd-bench").count()
    return elapsed, stored, calls["n"] // max(count, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--store", type=int, default=5, help="schools recomputed through the service and stored")
    args = parser.parse_args()
    seconds, total = compute_district(args.schools)
    print(f"district of {args.schools} schools × 50 staff, school year 2025–2026")
    print(f"  obligations computed : {total:,} ({total // args.schools:,} per school)")
    print(f"  compute time         : {seconds:.2f} s ({total / seconds:,.0f} obligations/s, "
          f"{seconds / args.schools * 1000:.1f} ms per school)")
    print(f"  reference            : {REFERENCE_SECONDS:.0f} s for the district; ratio {seconds / REFERENCE_SECONDS:.3f}")
    if args.store:
        el, stored, trips = store_schools(args.store)
        print(f"  stored recomputation : {args.store} schools in {el:.2f} s ({el / args.store:.2f} s per school, "
              f"{stored:,} obligations stored), {trips} database calls per school "
              f"({'MongoDB' if __import__('os').environ.get('MONGO_URI') else 'mongomock: time is not MongoDB time'})")


if __name__ == "__main__":
    main()
