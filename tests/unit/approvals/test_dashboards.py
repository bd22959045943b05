"""Compliance dashboards: one answer per view (province → units, unit → schools, school → tổ and teachers).

The counters are fed through the progress consumer's handler table (``bootstrap().progress_consumer``),
either with the events a real flow emits or with declared example events; the views are read
through the HTTP API, as the web app reads them.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook

from services.approvals.domain.calendar import TIMEZONE
from services.approvals.events import (
    APPROVED, OVERDUE, RECOMPUTED, RETURNED, SIGNATURE_OVERDUE, SIGNED, SIGNING_REQUESTED, SUBMITTED, WITHDRAWN,
)
from services.kernel.testing import example_event
from infra.demo.district import DEMO_DISTRICT

DISTRICT = DEMO_DISTRICT.slug
PROVINCE = DEMO_DISTRICT.province_slug
TEAM = "th-hoa-phong/to-4"
BOOK = "ke_hoach_bai_day"
ONBOARDED = {"th-hoa-phong", "thcs-nguyen-hue"}  # the schools the ``api`` fixture onboards
DUE = datetime(2025, 10, 10, 23, 59, 59, tzinfo=TIMEZONE).isoformat()


def sha(t: str) -> str:
    return hashlib.sha256(t.encode()).hexdigest()


def so_token(api, province: str = PROVINCE) -> str:
    return api.tokens.issue("so.chuyenvien", province=province, roles=["chuyen_vien_so"])


def view(api, path: str, who: str = "pgd.chuyenvien", *, token: str | None = None) -> dict:
    return api.ok("GET", f"/dashboards/{path}", who, token=token)


def feed(api, *events) -> None:
    """Each event through the progress consumer's handler table, twice (the consumer is idempotent)."""
    for _ in range(2):
        for e in events:
            api.container.progress_consumer.handle(e)


def sub_event(spec, sid: str, progress: dict, **extra):
    return example_event(spec, tenant="th-hoa-phong", district=DISTRICT, submission_id=sid, submitter="thhp.giaovien",
                         book_type=BOOK, unit=TEAM, school_year="2025-2026", due_at=DUE, progress=progress, **extra)


def teacher_row(v: dict, person: str = "thhp.giaovien") -> dict:
    return next(r for r in v["rows"] if r["kind"] == "teacher" and r["id"] == person)


def test_counters_follow_every_event_through_the_handler_table(api):
    recomputed = example_event(RECOMPUTED, tenant="th-hoa-phong", district=DISTRICT, school="th-hoa-phong", deltas=[
        {"unit": TEAM, "owner": "thhp.giaovien", "book": BOOK, "period": "2025-10", "year": "2025-2026", "owed": 3}])
    overdue = example_event(OVERDUE, tenant="th-hoa-phong", district=DISTRICT, obligation_id="ob3",
                            owner="thhp.giaovien", book_type=BOOK, unit=TEAM, school_year="2025-2026", due_at=DUE,
                            progress={"missing": 1})
    feed(api, recomputed,
         sub_event(SUBMITTED, "s1", {"on_time": 1, "awaiting": 1}),
         sub_event(SUBMITTED, "s2", {"late": 1, "awaiting": 1}),
         overdue,
         sub_event(RETURNED, "s2", {"awaiting": -1}),
         sub_event(SUBMITTED, "s2", {"awaiting": 1}, resubmission=True),
         sub_event(WITHDRAWN, "s2", {"late": -1, "awaiting": -1}),
         sub_event(APPROVED, "s1", {"awaiting": -1, "approved": 1, "approval_seconds": 7200}),
         sub_event(SIGNING_REQUESTED, "s1", {"awaiting_signature": 1}))
    school = view(api, "school/th-hoa-phong?period=2025-10", "thhp.hieutruong")
    row = teacher_row(school)
    assert (row["owed"], row["on_time"], row["late"], row["missing"], row["awaiting_approval"]) == (3, 1, 0, 1, 0)
    assert (row["awaiting_signature"], row["avg_approval_hours"], row["unit"]) == (1, 2.0, TEAM)
    to = next(r for r in school["rows"] if r["kind"] == "to" and r["id"] == TEAM)
    hp = next(s for s in DEMO_DISTRICT.schools if s.slug == "th-hoa-phong")
    assert to["name"] == next(u.name for u in hp.units if u.slug == "to-4")  # named as the school names it
    assert (to["owed"], to["missing"], to["awaiting_signature"]) == (3, 1, 1)

    feed(api, sub_event(SIGNATURE_OVERDUE, "s1", {"signing_overdue": 1}))
    assert teacher_row(view(api, "school/th-hoa-phong?period=2025-10", "thhp.hieutruong"))["signing_overdue"] == 1
    feed(api, sub_event(SIGNED, "s1", {"signing_overdue": -1, "signed_late": 1, "awaiting_signature": -1}))
    row = teacher_row(view(api, f"school/th-hoa-phong?period=2025-10&book={BOOK}", "thhp.hieutruong"))
    assert (row["awaiting_signature"], row["signing_overdue"], row["signed_late"]) == (0, 0, 1)
    other_book = view(api, "school/th-hoa-phong?period=2025-10&book=so_diem", "thhp.hieutruong")["rows"]
    assert {r["kind"] for r in other_book} == {"to"} and not any(r["owed"] for r in other_book)  # every tổ, zeros

    unit = view(api, f"unit/{DISTRICT}?period=2025-10")
    hp = next(r for r in unit["rows"] if r["id"] == "th-hoa-phong")
    assert (hp["owed"], hp["on_time"], hp["missing"], hp["signed_late"]) == (3, 1, 1, 1)
    assert {r["id"] for r in unit["rows"]} == ONBOARDED  # a school with nothing counted is listed with zeros
    province = view(api, f"province/{PROVINCE}?period=2025-10", token=so_token(api))
    assert [(r["id"], r["owed"], r["missing"]) for r in province["rows"]] == [(DISTRICT, 3, 1)]
    assert province["total"]["owed"] == 3
    october = next(m for m in province["trend"] if m["period"] == "2025-10")
    assert (october["owed"], october["on_time"]) == (3, 1) and len(province["trend"]) == 12


def test_a_real_flow_counts_the_approval_delay_and_ranks_worst_first(api):
    api.pump_progress()  # what onboarding made owed
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t01")
    s = api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": ob["id"], "document_id": "a",
                                                         "version_id": "v1", "sha256": sha("a")})
    api.clock.set(api.clock.now() + timedelta(hours=3))
    api.ok("POST", f"/submissions/{s['id']}/decision", "thhp.totruong", {"decision": "approve"})
    api.pump_progress()
    school = view(api, "school/th-hoa-phong?year=2025-2026", "thhp.hieutruong")
    assert teacher_row(school)["avg_approval_hours"] == 3.0 and teacher_row(school)["on_time"] == 1
    assert school["total"]["approved"] == 1 and school["total"]["owed"] > 0
    unit = view(api, f"unit/{DISTRICT}?year=2025-2026")
    shares = [r["late_or_missing_share"] for r in unit["rows"]]
    assert shares == sorted(shares, reverse=True)


def test_each_caller_sees_only_their_own_scope(api):
    api.pump_progress()
    assert api.call("GET", f"/dashboards/unit/{DISTRICT}", "pgd.chuyenvien").status_code == 200
    assert api.call("GET", "/dashboards/unit/pgd-khac", "pgd.chuyenvien").status_code == 404
    assert api.call("GET", f"/dashboards/province/{PROVINCE}", "pgd.chuyenvien").status_code == 404
    assert api.call("GET", "/dashboards/school/th-hoa-phong", "pgd.chuyenvien").status_code == 200
    # the Sở: its province, every unit and school in it; another province's id is 404
    so = so_token(api)
    assert api.call("GET", f"/dashboards/province/{PROVINCE}", "", token=so).status_code == 200
    assert api.call("GET", f"/dashboards/unit/{DISTRICT}", "", token=so).status_code == 200
    assert api.call("GET", "/dashboards/school/th-hoa-phong", "", token=so).status_code == 200
    other = so_token(api, "so-khac")
    for path in (f"province/{PROVINCE}", f"unit/{DISTRICT}", "school/th-hoa-phong"):
        assert api.call("GET", f"/dashboards/{path}", "", token=other).status_code == 404, path
    # a principal: their school; another school, the unit or the province is 404
    assert api.call("GET", "/dashboards/school/th-hoa-phong", "thhp.hieutruong").status_code == 200
    assert api.call("GET", "/dashboards/school/th-hoa-phong", "thcsnh.hieutruong").status_code == 404
    assert api.call("GET", f"/dashboards/unit/{DISTRICT}", "thhp.hieutruong").status_code == 404
    assert api.call("GET", "/dashboards/school/th-hoa-phong", "thhp.quantri").status_code == 200
    assert api.call("GET", "/dashboards/school/th-hoa-phong", "thhp.giaovien").status_code == 403
    assert api.call("GET", "/dashboards/school/th-hoa-phong?year=2025-2027", "thhp.hieutruong").status_code == 422


def test_oversight_reads_are_in_the_audit_log(api):
    view(api, "school/th-hoa-phong?period=2025-10")
    api.ok("GET", "/progress?scope=district&period=2025-10", "pgd.chuyenvien")
    view(api, "school/th-hoa-phong", "thhp.hieutruong")  # the school reading itself is not an oversight read
    [entry] = api.container.runtime.audit.entries(target="school:th-hoa-phong")
    assert (entry["action"], entry["actor"], entry["tenant"]) == ("approvals.dashboard.read", "pgd.chuyenvien",
                                                                  "th-hoa-phong")
    assert entry["data"]["period"] == "2025-10"
    [progress] = api.container.runtime.audit.entries(target=f"district:{DISTRICT}")
    assert (progress["action"], progress["actor"]) == ("approvals.progress.read", "pgd.chuyenvien")


def test_a_view_exports_as_a_workbook_with_its_rows(api):
    api.pump_progress()
    resp = api.call("GET", f"/dashboards/unit/{DISTRICT}?year=2025-2026&format=xlsx", "pgd.chuyenvien")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    wb = load_workbook(BytesIO(resp.data))
    ranked, trend = wb["Xếp hạng"], wb["Theo tháng"]
    rows = list(ranked.iter_rows(values_only=True))
    assert rows[1][:5] == ("Hạng", "Loại", "Tên", "Phải nộp", "Đúng hạn")
    names = {r[2] for r in rows[2:-1]}
    assert names == {s.name for s in DEMO_DISTRICT.schools if s.slug in ONBOARDED}
    assert rows[-1][2] == "Tổng cộng" and rows[-1][3] == sum(r[3] for r in rows[2:-1])
    assert [r[0] for r in trend.iter_rows(min_row=2, values_only=True)][:2] == ["08/2025", "09/2025"]
