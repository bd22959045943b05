"""The học bạ flow through the HTTP API: PHT checks → principal approves → signing in order → issue → recall."""
from __future__ import annotations

import hashlib

import pytest

CLASS = "th-hoa-phong/lop-4a"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def hoc_ba(api):
    ob = api.obligation("thhp.giaovien", "hoc_ba", "cuoi_hk1", "2025-2026")
    assert ob["due_at"] == "2026-01-17T23:59:59+07:00"
    sub = api.ok("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "hoc-ba-4a", "version_id": "hb-v1", "sha256": sha("hb-v1")})
    return sub


def test_hoc_ba_waits_for_the_principal_then_for_signatures(api, hoc_ba):
    sid = hoc_ba["id"]
    assert hoc_ba["state"] == "submitted"
    assert hoc_ba["waiting_for"] == [{"role": "hieu_truong", "unit": None}]
    for who in ("thhp.giaovien2", "thhp.totruong", "thhp.phohieutruong", "thhp.vanthu", "thhp.quantri"):
        assert api.call("POST", f"/submissions/{sid}/decision", who, {"decision": "approve"}).status_code == 403, who
    assert api.call("POST", f"/submissions/{sid}/decision", "thcsnh.hieutruong",
                    {"decision": "approve"}).status_code == 404
    assert api.call("GET", f"/submissions/{sid}", "thcsnh.hieutruong").status_code == 404

    checked = api.ok("POST", f"/submissions/{sid}/comments", "thhp.phohieutruong",
                     {"comment": "Đã kiểm tra nhận xét môn Toán."})
    pht = next(s for s in checked["steps"] if s["role"] == "pho_hieu_truong")
    assert (pht["mode"], pht["decision"], pht["by"]) == ("check", "checked", "thhp.phohieutruong")
    assert api.ok("GET", "/queue", "thhp.hieutruong")["items"][0]["id"] == sid

    approved = api.ok("POST", f"/submissions/{sid}/decision", "thhp.hieutruong", {"decision": "approve"})
    assert approved["state"] == "signing"
    assert approved["signing"] == {"next_order": 1, "due_at": "2026-05-30T23:59:59+07:00", "overdue": False, "steps": [
        {"order": 1, "role": "gvcn", "signer": "thhp.giaovien", "organisation": False, "signed_by": None,
         "on_behalf_of": None, "signed_at": None, "version_id": None},
        {"order": 2, "role": "hieu_truong", "signer": None, "organisation": False, "signed_by": None,
         "on_behalf_of": None, "signed_at": None, "version_id": None},
        {"order": 3, "role": "van_thu", "signer": None, "organisation": True, "signed_by": None,
         "on_behalf_of": None, "signed_at": None, "version_id": None}]}
    assert (approved["approved_version_id"], approved["current_version_sha256"]) == ("hb-v1", sha("hb-v1"))

    events = [e for e in api.events() if e.data.get("submission_id") == sid]
    assert [e.type for e in events] == ["approvals.submission.submitted", "approvals.submission.commented",
                                        "approvals.submission.approved", "approvals.submission.signing_requested"]
    assert events[-1].data["sha256"] == sha("hb-v1") and len(events[-1].data["steps"]) == 3
    assert [e["action"] for e in api.audit(sid)] == [
        "approvals.submission.submitted", "approvals.submission.commented", "approvals.submission.approved",
        "approvals.submission.signing_requested"]


def test_signing_in_order_then_issue_and_recall(api, hoc_ba):
    sid = hoc_ba["id"]
    api.ok("POST", f"/submissions/{sid}/decision", "thhp.hieutruong", {"decision": "approve"})
    service = api.tokens.service_token("signing")

    def turn(person):
        return api.ok("GET", f"/submissions/{sid}/signing-turn?signer={person}", "", token=service)

    def waiting(who):
        return [(i["id"], i["action"], i["my_order"]) for i in api.ok("GET", "/signing-queue", who)["items"]]

    assert waiting("thhp.giaovien") == [(sid, "sign", 1)]
    assert waiting("thhp.hieutruong") == [] and waiting("thhp.vanthu") == []
    assert turn("thhp.vanthu")["may_sign"] is False
    assert turn("thhp.vanthu")["reason"] == "Chưa đến lượt ký: đang chờ các chữ ký thứ tự 1."
    assert turn("thhp.vanthu")["reason_code"] == "out-of-turn"  # what the signing service branches on
    t = turn("thhp.giaovien")
    assert (t["may_sign"], t["order"], t["version_id"], t["sha256"]) == (True, 1, "hb-v1", sha("hb-v1"))
    assert turn("thhp.ketoan")["reason"] == "Người này không có lượt ký nào trên hồ sơ."
    assert turn("thhp.ketoan")["reason_code"] == "not-a-signer" and t["reason_code"] is None

    def sign(signer, role, order, digest=sha("hb-v1"), token=service):
        return api.call("POST", f"/submissions/{sid}/signatures", "", {
            "signer": signer, "on_behalf_of": None, "role": role, "order": order, "signed_version_id": "hb-v1",
            "signed_sha256": digest, "signed_at": "2026-01-12T09:00:00+07:00"}, token=token)

    r = sign("thhp.vanthu", "van_thu", 3)
    assert r.status_code == 409 and "Chưa đến lượt ký" in r.get_json()["detail"]
    assert r.get_json()["code"] == "out-of-turn"
    assert sign("thhp.giaovien", "gvcn", 1, token=api.token("thhp.giaovien")).status_code == 403  # services only
    assert sign("thhp.giaovien", "gvcn", 1).status_code == 200
    assert waiting("thhp.giaovien") == [] and waiting("thhp.hieutruong") == [(sid, "sign", 2)]
    r = sign("thhp.hieutruong", "hieu_truong", 2, digest=sha("changed"))
    assert r.status_code == 409 and r.get_json()["detail"].startswith("Tài liệu đã thay đổi")
    assert r.get_json()["code"] == "document-changed"
    wrong_step = sign("thhp.hieutruong", "van_thu", 2)
    assert wrong_step.status_code == 409 and wrong_step.get_json()["code"] == "wrong-signing-step"
    assert sign("thhp.hieutruong", "hieu_truong", 2).status_code == 200
    assert api.call("POST", f"/submissions/{sid}/issue", "thhp.vanthu", {}).status_code == 409  # not signed yet
    signed = sign("thhp.vanthu", "van_thu", 3).get_json()
    assert signed["state"] == "signed" and signed["signing"]["next_order"] is None
    assert turn("thhp.vanthu")["reason_code"] == "not-awaiting-signature"
    assert sign("thhp.vanthu", "van_thu", 3).get_json()["code"] == "not-awaiting-signature"
    assert waiting("thhp.vanthu") == [(sid, "issue", None)]

    assert api.call("POST", f"/submissions/{sid}/issue", "thhp.hieutruong", {}).status_code == 403
    assert api.call("POST", f"/submissions/{sid}/issue", "thcsnh.vanthu", {}).status_code == 404
    assert api.ok("POST", f"/submissions/{sid}/issue", "thhp.vanthu", {})["state"] == "issued"
    assert api.call("POST", f"/submissions/{sid}/recall", "thhp.giaovien", {"reason": "x"}).status_code == 403
    recalled = api.ok("POST", f"/submissions/{sid}/recall", "thhp.vanthu", {"reason": "Sai ngày sinh học sinh."})
    assert recalled["state"] == "recalled" and recalled["recall_reason"] == "Sai ngày sinh học sinh."

    ev = [e for e in api.events() if e.data.get("submission_id") == sid]
    assert [e.type for e in ev][-3:] == ["approvals.submission.signed", "approvals.submission.issued",
                                         "approvals.submission.recalled"]
    assert ev[-1].data["reason"] == "Sai ngày sinh học sinh." and ev[-1].data["version_ids"] == ["hb-v1"]
    assert ev[-1].data["document_id"] == "hoc-ba-4a"
    actions = [e["action"] for e in api.audit(sid)]
    assert actions.count("approvals.submission.signature_recorded") == 3
    assert actions[-2:] == ["approvals.submission.issued", "approvals.submission.recalled"]


def test_signing_service_reads_the_contract_fields(api, hoc_ba):
    service = api.tokens.service_token("signing")
    body = api.ok("GET", f"/submissions/{hoc_ba['id']}", "", token=service)
    for key in ("id", "tenant", "district", "book_type", "state", "document_id", "current_version_id",
                "current_version_sha256", "signing"):
        assert key in body
    assert (body["tenant"], body["district"], body["book_type"]) == ("th-hoa-phong", "pgd-hoa-vang", "hoc_ba")
    # the web app shows the label approvals sends, as sent (no translation of keys in the browser)
    assert (body["period_key"], body["period_label"]) == ("2025-2026", "Năm học 2025-2026")


def test_reading_a_hoc_ba_is_least_access_and_inspection_is_audited(api, hoc_ba):
    sid = hoc_ba["id"]
    for who in ("thhp.giaovien", "thhp.hieutruong", "thhp.phohieutruong", "thhp.vanthu"):
        assert api.call("GET", f"/submissions/{sid}", who).status_code == 200, who
    for who in ("thhp.giaovien2", "thhp.quantri", "thhp.ketoan", "thhp.totruong"):
        r = api.call("GET", f"/submissions/{sid}", who)
        assert r.status_code == 403 and r.get_json()["detail"] == "Bạn không tham gia hồ sơ này nên không được xem."
    assert api.call("GET", f"/submissions/{sid}?reason=Kiểm tra", "pgd.chuyenvien").status_code == 403  # no campaign
    until = int(api.clock.now().timestamp()) + 7 * 86400
    grant = {"campaign": "dkt-hb", "schools": ["th-hoa-phong"], "books": ["hoc_ba"], "year": "2025-2026", "until": until}
    inspector = api.inspector_token("pgd.chuyenvien", grant)
    seen = api.call("GET", f"/submissions/{sid}?campaign=dkt-hb", "pgd.chuyenvien", token=inspector)
    assert seen.status_code == 200 and seen.get_json()["state"] == "submitted"
    reads = [e for e in api.container.runtime.audit.entries(limit=20) if e["action"] == "cross_tenant.read"]
    assert reads[0]["actor"] == "pgd.chuyenvien" and reads[0]["data"]["campaign"] == "dkt-hb"
    assert reads[0]["tenant"] == "th-hoa-phong"
    # Another book type, another school, another year, and after the window: not found.
    for other in ({**grant, "books": ["so_chu_nhiem"]}, {**grant, "schools": ["mn-hoa-chau"]},
                  {**grant, "year": "2024-2025"}):
        token = api.inspector_token("pgd.chuyenvien", other)
        assert api.call("GET", f"/submissions/{sid}?campaign=dkt-hb", "pgd.chuyenvien", token=token).status_code == 404
    assert api.call("GET", f"/submissions/{sid}?campaign=dkt-hb&school=mn-hoa-chau", "pgd.chuyenvien",
                    token=inspector).status_code == 404
    api.clock.advance(seconds=7 * 86400)
    assert api.call("GET", f"/submissions/{sid}?campaign=dkt-hb", "pgd.chuyenvien", token=inspector).status_code == 404


def test_pht_acting_for_the_principal_approves_and_is_recorded_as_such(api, hoc_ba):
    sid = hoc_ba["id"]
    act = [{"on_behalf_of": "thhp.hieutruong", "role": "hieu_truong", "unit": None, "book_types": ["hoc_ba"],
            "until": int(api.clock.now().timestamp()) + 86400}]
    done = api.ok("POST", f"/submissions/{sid}/decision", "thhp.phohieutruong", {"decision": "approve"}, act=act)
    step = next(s for s in done["steps"] if s["role"] == "hieu_truong")
    assert (done["state"], step["by"], step["on_behalf_of"]) == ("signing", "thhp.phohieutruong", "thhp.hieutruong")
    entry = [e for e in api.audit(sid) if e["action"] == "approvals.submission.approved"][0]
    assert (entry["actor"], entry["on_behalf_of"]) == ("thhp.phohieutruong", "thhp.hieutruong")
    expired = [{**act[0], "book_types": [], "until": int(api.clock.now().timestamp()) - 1}]
    other = api.obligation("thhp.giaovien", "bang_tong_hop", "giua_hk1", "2025-2026")
    sub2 = api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": other["id"], "document_id": "bth",
                                                             "version_id": "b1", "sha256": sha("b1")})
    assert api.call("POST", f"/submissions/{sub2['id']}/decision", "thhp.phohieutruong", {"decision": "approve"},
                    act=expired).status_code == 403


STUDENTS = ("Nguyễn Minh Khang", "Trần Bảo Ngọc", "Lê Gia Huy")


def test_a_class_hoc_ba_obligation_takes_one_submission_per_student_each_with_its_own_chain(api):
    ob = api.obligation("thhp.giaovien", "hoc_ba", "cuoi_nam", "2025-2026")
    ids = []
    for n, _student in enumerate(STUDENTS):
        sub = api.ok("POST", "/submissions", "thhp.giaovien", {
            "obligation_id": ob["id"], "document_id": f"hoc-ba-4a-{n}", "version_id": f"hb-{n}",
            "sha256": sha(f"hb-{n}")})
        assert (sub["state"], sub["obligation_id"], sub["document_id"]) == ("submitted", ob["id"], f"hoc-ba-4a-{n}")
        ids.append(sub["id"])
    again = api.call("POST", "/submissions", "thhp.giaovien", {
        "obligation_id": ob["id"], "document_id": "hoc-ba-4a-1", "version_id": "hb-1b", "sha256": sha("hb-1b")})
    assert again.status_code == 409 and again.get_json()["field"] == "document_id"
    lesson = api.obligation("thhp.giaovien", "ke_hoach_day_hoc_gv", "ke_hoach_nam", "2025-2026")
    api.ok("POST", "/submissions", "thhp.giaovien", {"obligation_id": lesson["id"], "document_id": "kh-1",
                                                     "version_id": "kh-v1", "sha256": sha("kh-v1")})
    second = api.call("POST", "/submissions", "thhp.giaovien", {"obligation_id": lesson["id"], "document_id": "kh-2",
                                                                "version_id": "kh-v2", "sha256": sha("kh-v2")})
    assert second.status_code == 409  # other books still take one submission per obligation
    assert api.obligation("thhp.giaovien", "hoc_ba", "cuoi_nam", "2025-2026")["submission_id"] == ids[0]

    # each runs its own chain: approving two leaves the third in the principal's queue
    queue = {i["id"] for i in api.ok("GET", "/queue", "thhp.hieutruong")["items"]}
    assert set(ids) <= queue
    done = api.ok("POST", "/queue/approve", "thhp.hieutruong", {"submission_ids": ids[:2]})
    assert [r["state"] for r in done["results"]] == ["signing", "signing"]
    assert api.ok("GET", f"/submissions/{ids[2]}", "thhp.giaovien")["state"] == "submitted"
    waiting = [(i["id"], i["action"], i["my_order"]) for i in api.ok("GET", "/signing-queue", "thhp.giaovien")["items"]]
    assert sorted(waiting) == sorted([(ids[0], "sign", 1), (ids[1], "sign", 1)])

    # withdrawing one student's học bạ leaves the obligation submitted by the others
    assert api.ok("POST", f"/submissions/{ids[2]}/withdraw", "thhp.giaovien", {})["state"] == "withdrawn"
    assert api.obligation("thhp.giaovien", "hoc_ba", "cuoi_nam", "2025-2026")["submission_id"] == ids[0]

    # progress counts the obligation once (plus the lesson plan), whatever the number of students
    api.pump_progress()
    year = api.ok("GET", "/progress?scope=school&id=th-hoa-phong&period=2025-2026", "thhp.hieutruong")
    assert year["on_time"] + year["late"] == 2 and year["awaiting"] == 1


def test_the_pht_finds_the_hoc_ba_in_the_check_queue_until_checked_and_it_stays_out_of_other_queues(api, hoc_ba):
    sid = hoc_ba["id"]
    ob = api.obligation("thhp.giaovien", "hoc_ba", "cuoi_hk1", "2025-2026")
    assert ob["per_document"] is True and ob["submission_id"] == sid

    def checks(who, token=None):
        return [i["id"] for i in api.ok("GET", "/check-queue", who, token=token)["items"]]

    assert checks("thhp.phohieutruong") == [sid]
    for who in ("thhp.hieutruong", "thhp.giaovien", "thhp.totruong", "thhp.vanthu"):
        assert checks(who) == [], who
    assert checks("thcsnh.phohieutruong") == []
    assert api.ok("GET", "/queue", "thhp.phohieutruong")["items"] == []
    principal_since = api.ok("GET", "/queue", "thhp.hieutruong")["items"][0]["waiting_since"]

    commented = api.ok("POST", f"/submissions/{sid}/comments", "thhp.phohieutruong",
                       {"comment": "Nhận xét môn Tiếng Việt cần ghi rõ hơn."})
    assert commented["history"][-1]["comment"] == "Nhận xét môn Tiếng Việt cần ghi rõ hơn."
    assert checks("thhp.phohieutruong") == []
    assert api.ok("GET", "/queue", "thhp.hieutruong")["items"][0]["waiting_since"] == principal_since
    assert api.audit(sid)[-1]["action"] == "approvals.submission.commented"
    assert api.call("POST", f"/submissions/{sid}/comments", "thcsnh.phohieutruong",
                    {"comment": "Không phải trường tôi."}).status_code == 404
    assert api.call("POST", f"/submissions/{sid}/comments", "thhp.vanthu",
                    {"comment": "Không có bước."}).status_code == 403
