"""Biên bản sửa dữ liệu: request with reason → principal consents → three witnesses confirm → new version."""
from __future__ import annotations

import hashlib


def sha(t: str) -> str:
    return hashlib.sha256(t.encode()).hexdigest()


def approved_plan(api) -> str:
    ob = api.obligation("thhp.giaovien", "ke_hoach_day_hoc_gv", "ke_hoach_nam", "2025-2026")
    sid = api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": ob["id"], "document_id": "khdh",
                                                            "version_id": "v1", "sha256": sha("v1")})["id"]
    assert api.ok("POST", f"/submissions/{sid}/decision", "thhp.totruong", {"decision": "approve"})["state"] == "approved"
    return sid


def test_correction_needs_consent_and_three_witnesses_and_keeps_the_old_version(api):
    sid = approved_plan(api)
    body = {"submission_id": sid, "reason": "Sai số tiết môn Toán ở học kỳ II.", "version_id": "v2", "sha256": sha("v2")}
    assert api.call("POST", "/corrections", "thhp.giaovien2", body).status_code == 403
    assert api.call("POST", "/corrections", "thcsnh.hieutruong", body).status_code == 404
    c = api.ok("POST", "/corrections", "thhp.giaovien", body)
    cid = c["id"]
    assert c["state"] == "requested"
    assert api.call("POST", f"/corrections/{cid}/confirm", "thhp.quantri").status_code == 409  # no consent yet
    for who in ("thhp.phohieutruong", "thhp.quantri", "thhp.giaovien"):
        assert api.call("POST", f"/corrections/{cid}/consent", who, {"consent": True}).status_code == 403
    assert api.ok("POST", f"/corrections/{cid}/consent", "thhp.hieutruong", {"consent": True})["state"] == "consented"

    assert api.call("POST", f"/corrections/{cid}/confirm", "thhp.totruong").status_code == 403
    api.ok("POST", f"/corrections/{cid}/confirm", "thhp.quantri")
    api.ok("POST", f"/corrections/{cid}/confirm", "thhp.giaovien")
    assert api.ok("GET", f"/submissions/{sid}", "thhp.giaovien")["current_version_id"] == "v1"  # not yet
    done = api.ok("POST", f"/corrections/{cid}/confirm", "thhp.hieutruong")
    assert done["state"] == "applied"
    assert [w["role"] for w in done["witnesses"]] == ["hieu_truong", "quan_tri", "requester"]
    assert all(w["confirmed_at"] for w in done["witnesses"])
    assert api.call("GET", f"/corrections/{cid}", "thhp.giaovien2").status_code == 403
    assert api.ok("GET", f"/corrections/{cid}", "thhp.quantri")["state"] == "applied"
    assert [t["action"] for t in done["trail"]] == ["requested", "consented", "confirmed", "confirmed", "confirmed",
                                                   "applied"]

    sub = api.ok("GET", f"/submissions/{sid}", "thhp.giaovien")
    assert sub["state"] == "approved" and sub["current_version_id"] == "v2" and sub["approved_version_id"] == "v2"
    assert [(v["version_id"], v["reason"], v["superseded_by"]) for v in sub["versions"]] == [
        ("v1", "submission", "v2"), ("v2", "correction", None)]
    types = [e.type for e in api.events()]
    assert types.count("approvals.correction.confirmed") == 2
    assert "approvals.correction.applied" in types and "approvals.submission.corrected" in types
    assert [e["action"] for e in api.audit(cid)] == [
        "approvals.correction.requested", "approvals.correction.consented", "approvals.correction.confirmed",
        "approvals.correction.confirmed", "approvals.correction.applied"]


def test_refused_correction_changes_nothing(api):
    sid = approved_plan(api)
    cid = api.ok("POST", "/corrections", "thhp.giaovien", {"submission_id": sid, "reason": "Lỗi chính tả.",
                                                            "version_id": "v2", "sha256": sha("v2")})["id"]
    assert api.ok("POST", f"/corrections/{cid}/consent", "thhp.hieutruong",
                  {"consent": False, "comment": "Không cần thiết."})["state"] == "refused"
    assert api.call("POST", f"/corrections/{cid}/confirm", "thhp.giaovien").status_code == 409
    assert api.ok("GET", f"/submissions/{sid}", "thhp.giaovien")["current_version_id"] == "v1"


def test_only_approved_records_are_corrected(api):
    ob = api.obligation("thhp.giaovien", "so_shcm", "hang_thang", "2025-09")
    sid = api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": ob["id"], "document_id": "x",
                                                            "version_id": "v1", "sha256": sha("x")})["id"]
    r = api.call("POST", "/corrections", "thhp.giaovien", {"submission_id": sid, "reason": "r", "version_id": "v2",
                                                             "sha256": sha("y")})
    assert r.status_code == 409 and r.get_json()["detail"] == "Chỉ lập biên bản sửa dữ liệu cho hồ sơ đã duyệt hoặc đã ký."
