"""The lesson-plan flow through the HTTP API: submit → tổ phó (for the tổ trưởng) returns → resubmit → approved."""
from __future__ import annotations

import hashlib
from datetime import datetime

from services.approvals.domain.calendar import TIMEZONE

TEAM = "th-hoa-phong/to-4"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def delegation(until: datetime, book_types=("ke_hoach_bai_day",), unit=TEAM) -> list[dict]:
    return [{"on_behalf_of": "thhp.totruong", "role": "to_truong", "unit": unit, "book_types": list(book_types),
             "until": int(until.timestamp())}]


def test_lesson_plan_returned_by_delegate_then_approved(api):
    until = datetime(2025, 12, 31, tzinfo=TIMEZONE)
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t02")
    assert ob["due_at"] == "2025-09-05T23:59:59+07:00"
    assert ob["approval_due_at"] == "2025-09-05T23:59:59+07:00" and ob["approval_possible"] is True

    sub = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "doc-kh-bai-day-t2", "version_id": "v1", "sha256": sha("v1")})
    sid = sub["id"]
    assert sub["state"] == "submitted" and sub["on_time"] is True
    assert sub["waiting_for"] == [{"role": "to_truong", "unit": TEAM}]

    # only the tổ trưởng (or a delegate) decides now; everyone else is refused
    for who in ("thhp.giaovien2", "thhp.phohieutruong", "thhp.hieutruong", "thhp.vanthu", "thhp.topho"):
        r = api.call("POST", f"/submissions/{sid}/decision", who, {"decision": "return", "comment": "x"})
        assert r.status_code == 403, who
        assert r.get_json()["title"] == "Bạn không có quyền thực hiện thao tác này."
    r = api.call("POST", f"/submissions/{sid}/decision", "thhp.topho", {"decision": "return", "comment": "x"},
                 act=delegation(until, book_types=("so_shcm",)))
    assert r.status_code == 403  # the delegation does not cover lesson plans
    r = api.call("POST", f"/submissions/{sid}/decision", "thcsnh.totruong", {"decision": "approve"})
    assert r.status_code == 404  # a tổ trưởng of another school does not even see it
    r = api.call("POST", f"/submissions/{sid}/decision", "thhp.giaovien", {"decision": "approve"})
    assert r.status_code == 403 and "tự phê duyệt" in r.get_json()["detail"]

    # the PHT checks (reads and comments) without blocking
    checked = api.ok("POST", f"/submissions/{sid}/comments", "thhp.phohieutruong", {"comment": "Bổ sung mục tiêu."})
    assert checked["state"] == "submitted"
    assert api.ok("GET", "/queue", "thhp.totruong")["items"][0]["id"] == sid

    returned = api.ok("POST", f"/submissions/{sid}/decision", "thhp.topho",
                      {"decision": "return", "comment": "Thiếu phần hoạt động khởi động."}, act=delegation(until))
    assert returned["state"] == "returned"
    step = next(s for s in returned["steps"] if s["role"] == "to_truong")
    assert (step["by"], step["on_behalf_of"], step["decision"]) == ("thhp.topho", "thhp.totruong", "returned")

    r = api.call("POST", f"/submissions/{sid}/versions", "thhp.giaovien2", {"version_id": "v2", "sha256": sha("v2")})
    assert r.status_code == 403
    api.clock.advance(hours=3)
    again = api.ok("POST", f"/submissions/{sid}/versions", "thhp.giaovien", {"version_id": "v2", "sha256": sha("v2")})
    assert again["state"] == "submitted" and again["current_version_id"] == "v2" and again["round"] == 2
    assert [v["superseded_by"] for v in again["versions"]] == ["v2", None]

    done = api.ok("POST", f"/submissions/{sid}/decision", "thhp.totruong", {"decision": "approve"})
    assert done["state"] == "approved" and done["approved_version_id"] == "v2"
    assert api.ok("GET", "/queue", "thhp.totruong")["items"] == []

    entries = api.audit(sid)
    assert [e["action"] for e in entries] == [
        "approvals.submission.submitted", "approvals.submission.commented", "approvals.submission.returned",
        "approvals.submission.submitted", "approvals.submission.approved"]
    assert (entries[2]["actor"], entries[2]["on_behalf_of"]) == ("thhp.topho", "thhp.totruong")
    assert api.container.runtime.audit.verify() == []

    mine = [e for e in api.events() if e.data.get("submission_id") == sid]
    assert [e.type for e in mine] == [
        "approvals.submission.submitted", "approvals.submission.commented", "approvals.submission.returned",
        "approvals.submission.submitted", "approvals.submission.approved"]
    assert (mine[2].actor, mine[2].on_behalf_of, mine[2].data["comment"]) == (
        "thhp.topho", "thhp.totruong", "Thiếu phần hoạt động khởi động.")
    assert mine[3].data["resubmission"] is True and mine[3].data["version_id"] == "v2"


def test_withdraw_only_before_the_first_decision(api):
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t03")
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "d3", "version_id": "v1", "sha256": sha("a")})
    assert api.call("POST", f"/submissions/{sub['id']}/withdraw", "thhp.giaovien2").status_code == 403
    w = api.ok("POST", f"/submissions/{sub['id']}/withdraw", "thhp.giaovien")
    assert w["state"] == "withdrawn"
    assert api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t03")["submission_id"] is None
    again = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "d3", "version_id": "v2", "sha256": sha("b")})
    api.ok("POST", f"/submissions/{again['id']}/decision", "thhp.totruong", {"decision": "return", "comment": "Sửa"})
    r = api.call("POST", f"/submissions/{again['id']}/withdraw", "thhp.giaovien")
    assert r.status_code == 409 and "bị trả lại" in r.get_json()["detail"]


def test_only_the_owner_submits_and_twice_is_refused(api):
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t04")
    body = {"obligation_id": ob["id"], "document_id": "d4", "version_id": "v1", "sha256": sha("c")}
    assert api.call("POST", "/submissions", "thhp.giaovien2", body, upload=False).status_code == 403
    assert api.call("POST", "/submissions", "thcsnh.giaovien", body, upload=False).status_code == 404
    api.ok("POST", "/submissions", "thhp.giaovien", body)
    assert api.call("POST", "/submissions", "thhp.giaovien", body).status_code == 409


def test_lesson_plan_too_late_to_approve_in_time_is_said_by_the_api(api):
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t02")
    api.clock.set(datetime(2025, 9, 6, 9, 0, tzinfo=TIMEZONE))  # Saturday: past Friday 23:59:59
    late = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t02")
    assert late["approval_possible"] is False and late["overdue"] is True
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "d", "version_id": "v1", "sha256": sha("d")})
    assert sub["on_time"] is False and sub["approval_possible"] is False
    assert sub["approval_notice"].startswith("Không còn kịp phê duyệt trước hạn 23:59:59 05/09/2025")


def test_my_submissions_newest_first_in_pages(api):
    ids = []
    for week in ("05", "06", "07"):
        ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", f"2025-2026.t{week}")
        ids.append(api.ok("POST", "/submissions", "thhp.giaovien", {
            "obligation_id": ob["id"], "document_id": f"d{week}", "version_id": "v1", "sha256": sha(week)})["id"])
        api.clock.advance(minutes=1)
    first = api.ok("GET", "/submissions?limit=2", "thhp.giaovien")
    second = api.ok("GET", f"/submissions?limit=2&cursor={first['next_cursor']}", "thhp.giaovien")
    assert [s["id"] for s in first["items"] + second["items"]] == list(reversed(ids))
    assert second["next_cursor"] is None
    assert api.ok("GET", "/submissions", "thhp.giaovien2")["items"] == []


def test_a_draft_is_submitted_later_by_its_author_only(api):
    ob = api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t08")
    draft = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "d8", "version_id": "v1", "sha256": sha("d8"), "submit": False})
    assert draft["state"] == "draft" and draft["on_time"] is None
    assert api.ok("GET", "/queue", "thhp.totruong")["items"] == []
    r = api.call("POST", f"/submissions/{draft['id']}/submit", "thhp.giaovien2")
    assert r.status_code == 403
    assert api.obligation("thhp.giaovien", "ke_hoach_bai_day", "hang_tuan", "2025-2026.t08")["submission_id"] is None
    sent = api.ok("POST", f"/submissions/{draft['id']}/submit", "thhp.giaovien")
    assert sent["state"] == "submitted" and sent["on_time"] is True
    assert api.call("POST", f"/submissions/{draft['id']}/submit", "thhp.giaovien").status_code == 409
    assert [e["action"] for e in api.audit(draft["id"])] == ["approvals.submission.drafted",
                                                             "approvals.submission.submitted"]
