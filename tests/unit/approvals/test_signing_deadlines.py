"""Signing has deadlines: học bạ and bảng tổng hợp are signed before 31/5 (by the end of 30/5) at every order.

A signature not made in time is overdue like any other step: the scheduler reports it once
(``approvals.signature.overdue``, to the signers of the waiting order and the principal) and
progress counts it until the last signature, which then counts as signed late.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from services.approvals.domain.calendar import TIMEZONE
from services.approvals.entrypoints.scheduler import tick

OVERDUE = "approvals.signature.overdue"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _approved_hoc_ba(api) -> str:
    ob = api.obligation("thhp.giaovien", "hoc_ba", "cuoi_nam", "2025-2026")
    assert ob["due_at"] == "2026-05-30T23:59:59+07:00"  # 001 Điều 12: “trước ngày 31/5”
    api.clock.set(datetime(2026, 5, 20, 9, 0, tzinfo=TIMEZONE))
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "hb-cuoi-nam", "version_id": "v1", "sha256": sha("v1")})
    approved = api.ok("POST", f"/submissions/{sub['id']}/decision", "thhp.hieutruong", {"decision": "approve"})
    assert approved["state"] == "signing"
    assert approved["signing"]["due_at"] == "2026-05-30T23:59:59+07:00"
    return sub["id"]


def _sign(api, sid: str, signer: str, role: str, order: int):
    return api.call("POST", f"/submissions/{sid}/signatures", "", {
        "signer": signer, "on_behalf_of": None, "role": role, "order": order, "signed_version_id": "v1",
        "signed_sha256": sha("v1"), "signed_at": api.clock.now().isoformat()}, token=api.tokens.service_token("signing"))


def test_unsigned_hoc_ba_after_30_may_is_reported_once_to_the_signers_and_the_principal(api):
    sid = _approved_hoc_ba(api)
    assert _sign(api, sid, "thhp.giaovien", "gvcn", 1).status_code == 200  # the GVCN signed in time

    api.clock.set(datetime(2026, 5, 30, 23, 0, tzinfo=TIMEZONE))
    assert tick(api.container)["signing_overdue"] == 0  # still in time
    api.clock.set(datetime(2026, 5, 31, 7, 0, tzinfo=TIMEZONE))
    assert tick(api.container)["signing_overdue"] == 1
    assert tick(api.container)["signing_overdue"] == 0  # once

    [event] = [e for e in api.events() if e.type == OVERDUE]
    assert event.data["book_name"] == "Học bạ" and event.data["period_label"] == "Năm học 2025-2026"
    assert event.data["signers"] == ["thhp.hieutruong"] and event.data["roles"] == ["hieu_truong"]
    assert event.data["order"] == 2 and event.data["principal"] == "thhp.hieutruong"
    assert event.data["signing_due_at"] == "2026-05-30T23:59:59+07:00"
    view = api.ok("GET", f"/submissions/{sid}", "thhp.giaovien")
    assert view["signing"]["overdue"] is True
    assert [e["action"] for e in api.audit(sid)][-1] == OVERDUE

    api.pump_progress()
    year = api.ok("GET", "/progress?scope=school&id=th-hoa-phong&period=2025-2026", "thhp.hieutruong")
    assert (year["signing_overdue"], year["signed_late"]) == (1, 0)

    assert _sign(api, sid, "thhp.hieutruong", "hieu_truong", 2).status_code == 200
    assert _sign(api, sid, "thhp.vanthu", "van_thu", 3).status_code == 200
    api.pump_progress()
    year = api.ok("GET", "/progress?scope=school&id=th-hoa-phong&period=2025-2026", "thhp.hieutruong")
    assert (year["signing_overdue"], year["signed_late"]) == (0, 1)


def test_a_fully_signed_bang_tong_hop_is_never_reported(api):
    ob = api.obligation("thhp.giaovien", "bang_tong_hop", "cuoi_nam", "2025-2026")
    api.clock.set(datetime(2026, 5, 25, 9, 0, tzinfo=TIMEZONE))
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "bth", "version_id": "v1", "sha256": sha("v1")})
    signing = api.ok("POST", f"/submissions/{sub['id']}/decision", "thhp.hieutruong", {"decision": "approve"})
    assert signing["signing"]["due_at"] == "2026-05-30T23:59:59+07:00"
    assert _sign(api, sub["id"], "thhp.giaovien", "gvcn", 1).status_code == 200
    assert _sign(api, sub["id"], "thhp.hieutruong", "hieu_truong", 2).status_code == 200
    api.clock.set(datetime(2026, 6, 2, 9, 0, tzinfo=TIMEZONE))
    assert tick(api.container)["signing_overdue"] == 0
    assert not [e for e in api.events() if e.type == OVERDUE]
