"""Every cross-school read in approvals shows in the school's read log: a submission read inside a
campaign and progress views under the standing right; nothing of another school appears there."""
from __future__ import annotations

import hashlib


def _hoc_ba(api) -> dict:
    ob = api.obligation("thhp.giaovien", "hoc_ba", "cuoi_hk1", "2025-2026")
    return api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "hoc-ba-4a", "version_id": "hb-v1",
        "sha256": hashlib.sha256(b"hb-v1").hexdigest()})


def campaign_and_progress_reads(api) -> None:
    """An inspector reads a hồ sơ học bạ in campaign dkt-hb and the school's progress (standing right)."""
    hoc_ba = _hoc_ba(api)
    until = int(api.clock.now().timestamp()) + 7 * 86400
    grant = {"campaign": "dkt-hb", "schools": ["th-hoa-phong"], "books": ["hoc_ba"], "year": None, "until": until}
    inspector = api.inspector_token("pgd.chuyenvien", grant)
    assert api.call("GET", f"/submissions/{hoc_ba['id']}?campaign=dkt-hb", "pgd.chuyenvien", token=inspector).status_code == 200
    assert api.call("GET", "/progress?scope=school&id=th-hoa-phong&period=2025-2026", "pgd.chuyenvien").status_code == 200


def test_the_school_log_lists_campaign_and_progress_reads_and_nothing_of_another_school(api) -> None:
    campaign_and_progress_reads(api)
    assert api.call("GET", "/progress?scope=district&period=2025-09", "pgd.truongphong").status_code == 200
    assert api.call("GET", "/progress?scope=school&period=2025-2026", "thhp.hieutruong").status_code == 200

    rows = api.ok("GET", "/access-reads", "thhp.hieutruong")["items"]
    seen = {(r["person"], r["what"], r["basis"], r["campaign"]) for r in rows}
    assert ("pgd.chuyenvien", "SubmissionDoc", "campaign", "dkt-hb") in seen
    assert ("pgd.chuyenvien", "school_progress", "standing", None) in seen
    assert ("pgd.truongphong", "unit_progress", "standing", None) in seen
    assert all(r["person"].startswith("pgd.") for r in rows), "the school's own reads are not cross-school reads"
    assert any(r["what_label"] == "Tiến độ của trường" for r in rows)
    only = api.ok("GET", "/access-reads?campaign=dkt-hb", "thhp.hieutruong")["items"]
    assert only and {r["campaign"] for r in only} == {"dkt-hb"}

    other = api.ok("GET", "/access-reads", "thcsnh.hieutruong")["items"]
    assert {(r["person"], r["what"]) for r in other} == {("pgd.truongphong", "unit_progress")}, \
        "another school sees the unit-wide view only, nothing read of th-hoa-phong"
    assert api.call("GET", "/access-reads", "thhp.giaovien").status_code == 403
    assert api.call("GET", "/access-reads", "pgd.chuyenvien").status_code == 403
