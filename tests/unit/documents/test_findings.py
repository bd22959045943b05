"""Inspection findings (kết luận kiểm tra) through the HTTP API: an inspector of a campaign opens one,
the school answers with a fix attached, the inspector closes it; scope, isolation and permissions;
every change audited and published with what people read."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from documents_testkit import NOW, SCHOOL_A, SCHOOL_B, auth, pdf_bytes, publish_frame, upload  # type: ignore[import-not-found]

from services.documents.adapters.findings import FindingRepository
from services.kernel.errors import Conflict
from services.kernel.tenancy import TenantScope

UNTIL = int((NOW + timedelta(days=7)).timestamp())
GRANT = {"campaign": "dkt-1", "schools": ["th-hoa-phong"], "books": ["ke_hoach_bai_day", "hoc_ba"], "year": "2025-2026",
         "until": UNTIL}
GRANT_B = {**GRANT, "campaign": "dkt-2", "schools": ["th-hoa-nhon"]}
PRINCIPAL_A = "thhp.hieutruong"
TEACHER_A = "thhp.giaovien"


@pytest.fixture
def school(container, people, client) -> dict[str, Any]:
    """School A with its principal known (as identity onboards it) and a teacher's lesson plan of week 5."""
    container.folders.onboard({**SCHOOL_A, "principal_id": PRINCIPAL_A}, "2025-2026")
    container.folders.onboard({**SCHOOL_B, "principal_id": "thhn.hieutruong"}, "2025-2026")
    publish_frame(container)
    teacher = people.tokens.issue(TEACHER_A, tenant="th-hoa-phong", district="pgd-hoa-vang", province="so-da-nang",
                                  name="Nguyễn Thị Lan", unit_roles=(("giao_vien", "th-hoa-phong/to-4"),))
    lesson = upload(client, teacher, pdf_bytes(), name="KHBD tuần 5.pdf")
    shcm = upload(client, teacher, pdf_bytes(), book="so_shcm", period="2025-10")
    other = upload(client, people.teacher_b(), pdf_bytes(), name="KHBD Hòa Nhơn.pdf")
    assert {lesson.status_code, shcm.status_code, other.status_code} == {201}
    return {"teacher": teacher, "lesson": lesson.get_json(), "shcm": shcm.get_json(), "other": other.get_json()}


def _inspector(people, *grants: dict, sub: str = "pgd.thanhtra", name: str = "Lê Thị Thanh") -> dict[str, str]:
    return auth(people.inspector(sub, *grants, name=name))


def _principal(people) -> dict[str, str]:
    return auth(people.tokens.issue(PRINCIPAL_A, tenant="th-hoa-phong", district="pgd-hoa-vang", province="so-da-nang",
                                    name="Trần Văn Hiệu", roles=("hieu_truong",)))


def _finding(target: dict, **extra: Any) -> dict:
    return {"school": "th-hoa-phong", "campaign": "dkt-1", "target": target, "severity": "minor",
            "text": "Kế hoạch bài dạy thiếu mục tiêu năng lực.", "requested_fix": "Bổ sung mục tiêu năng lực.",
            "due_on": "2025-10-20", **extra}


def _published(container) -> list:
    container.runtime.relay(container.outbox_collections()).relay_once()
    return [e for e in container.runtime.publisher.published if e.type.startswith("documents.finding.")]


def test_round_trip_inspector_opens_school_answers_with_a_fix_inspector_closes(client, container, people, school) -> None:
    inspector = _inspector(people, GRANT)
    lesson = school["lesson"]["document"]["id"]
    opened = client.post("/api/v1/findings", json=_finding({"kind": "document", "document": lesson}), headers=inspector)
    assert opened.status_code == 201, opened.get_json()
    finding = opened.get_json()
    assert finding["state"] == "open" and finding["state_label"] == "Chưa trả lời"
    assert finding["severity_label"] == "Cần khắc phục"
    # What people read: the book, the week as the school's calendar names it, the teacher by name.
    assert finding["target_label"] == "Kế hoạch bài dạy — Tuần 5 (06/10/2025) — Nguyễn Thị Lan"
    assert finding["teacher"] == TEACHER_A and finding["inspector_name"] == "Lê Thị Thanh"

    principal = _principal(people)
    listed = client.get("/api/v1/findings", headers=principal).get_json()["items"]
    assert [f["id"] for f in listed] == [finding["id"]]
    # The teacher concerned sees it; a colleague it does not concern does not.
    assert client.get(f"/api/v1/findings/{finding['id']}", headers=auth(school["teacher"])).status_code == 200
    assert client.get("/api/v1/findings", headers=auth(people.teacher2_a())).get_json()["items"] == []

    fixed = client.post(f"/api/v1/documents/{lesson}/versions", data=pdf_bytes(2),
                        headers=auth(school["teacher"], **{"X-File-Name": "KHBD-tuan-5-da-sua.pdf"}),
                        content_type="application/octet-stream")
    assert fixed.status_code == 201, fixed.get_json()
    version = fixed.get_json()["version"]["id"]
    answered = client.post(f"/api/v1/findings/{finding['id']}/answer", headers=auth(school["teacher"]),
                           json={"text": "Đã bổ sung mục tiêu năng lực.", "version_id": version})
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["state"] == "answered"
    assert answered.get_json()["answers"][0]["version_id"] == version
    # An answer may be sent again while answered (the principal adds to it).
    again = client.post(f"/api/v1/findings/{finding['id']}/answer", headers=principal,
                        json={"text": "Nhà trường xác nhận đã sửa."})
    assert again.status_code == 200 and len(again.get_json()["answers"]) == 2

    seen = client.get(f"/api/v1/findings/{finding['id']}", headers=inspector).get_json()
    assert seen["state_label"] == "Trường đã trả lời" and seen["answers"][0]["file_name"] == "KHBD-tuan-5-da-sua.pdf"
    closed = client.post(f"/api/v1/findings/{finding['id']}/close", headers=inspector, json={"note": "Đạt."})
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    assert closed.get_json()["closed_by"] == "pgd.thanhtra"

    late = client.post(f"/api/v1/findings/{finding['id']}/answer", headers=principal, json={"text": "Bổ sung thêm."})
    assert late.status_code == 409 and late.get_json()["code"] == "finding-closed"
    assert client.post(f"/api/v1/findings/{finding['id']}/close", headers=inspector, json={}).status_code == 409

    actions = [e["action"] for e in container.runtime.audit.entries(target=finding["id"])
               if e["action"].startswith("documents.finding.")]
    assert actions == ["documents.finding.closed", "documents.finding.answered", "documents.finding.answered",
                       "documents.finding.opened"]
    events = _published(container)
    assert [e.type for e in events] == ["documents.finding.opened", "documents.finding.answered",
                                        "documents.finding.answered", "documents.finding.closed"]
    first = events[0].data
    assert first["target_label"] == "Kế hoạch bài dạy — Tuần 5 (06/10/2025) — Nguyễn Thị Lan"
    assert first["school_name"] == "Trường Tiểu học Hòa Phong" and first["inspector_name"] == "Lê Thị Thanh"
    assert first["notify"] == [PRINCIPAL_A, TEACHER_A] and events[0].tenant == "th-hoa-phong"
    assert events[1].data["notify"] == ["pgd.thanhtra"] and events[1].data["state"] == "answered"
    assert events[3].data["notify"] == [PRINCIPAL_A, TEACHER_A] and events[3].data["state"] == "closed"
    assert first["campaign_name"] == "Đợt kiểm tra năm học 2025-2026"


def test_book_teacher_and_school_targets_are_named_as_people_read_them(client, container, people, school) -> None:
    inspector = _inspector(people, GRANT)
    book = client.post("/api/v1/findings", headers=inspector, json=_finding(
        {"kind": "book", "book": "ke_hoach_bai_day", "period": "2025-2026.t06", "teacher": TEACHER_A}, severity="major"))
    assert book.status_code == 201, book.get_json()
    assert book.get_json()["target_label"] == "Kế hoạch bài dạy — Tuần 6 (13/10/2025) — Nguyễn Thị Lan"
    assert book.get_json()["severity_label"] == "Nghiêm trọng"
    teacher = client.post("/api/v1/findings", headers=inspector,
                          json=_finding({"kind": "teacher", "teacher": TEACHER_A}, severity="info"))
    assert teacher.get_json()["target_label"] == "Nguyễn Thị Lan" and teacher.get_json()["severity_label"] == "Lưu ý"
    whole = client.post("/api/v1/findings", headers=inspector, json=_finding({"kind": "school"}, due_on=None))
    assert whole.status_code == 201 and whole.get_json()["target_label"] == "Trường Tiểu học Hòa Phong"
    # A school finding concerns the principal alone; the teacher does not answer it.
    assert _published(container)[-1].data["notify"] == [PRINCIPAL_A]
    denied = client.post(f"/api/v1/findings/{whole.get_json()['id']}/answer", headers=auth(school["teacher"]),
                         json={"text": "Em xin trả lời."})
    assert denied.status_code == 404
    # The inspector lists the campaign's findings, filtered by state.
    listed = client.get("/api/v1/findings", query_string={"campaign": "dkt-1", "state": "open"}, headers=inspector)
    assert len(listed.get_json()["items"]) == 3


def test_a_finding_outside_the_campaign_scope_is_not_found(client, people, school, clock) -> None:
    inspector = _inspector(people, GRANT)
    shcm = school["shcm"]["document"]["id"]
    other = school["other"]["document"]["id"]
    cases = [
        _finding({"kind": "school"}, school="th-hoa-nhon"),                                   # school not in campaign
        _finding({"kind": "document", "document": shcm}),                                     # book type not in campaign
        _finding({"kind": "book", "book": "so_shcm", "period": "2025-10"}),                  # book type not in campaign
        _finding({"kind": "book", "book": "ke_hoach_bai_day", "period": "2024-2025.t05"}),   # another school year
        _finding({"kind": "document", "document": other}),                                    # another school's document
        _finding({"kind": "teacher", "teacher": "thhn.giaovien"}),                            # another school's teacher
        _finding({"kind": "school"}, campaign="dkt-khac"),                                    # a campaign not held
    ]
    for body in cases:
        assert client.post("/api/v1/findings", json=body, headers=inspector).status_code == 404, body
    opened = client.post("/api/v1/findings", json=_finding({"kind": "school"}), headers=inspector).get_json()
    # School staff do not open findings.
    assert client.post("/api/v1/findings", json=_finding({"kind": "school"}), headers=_principal(people)).status_code == 403

    # After the window: nothing is opened, listed, read or closed any more.
    clock.advance(seconds=UNTIL - int(NOW.timestamp()))
    assert client.post("/api/v1/findings", json=_finding({"kind": "school"}), headers=inspector).status_code == 404
    assert client.get("/api/v1/findings", query_string={"campaign": "dkt-1"}, headers=inspector).status_code == 404
    assert client.get(f"/api/v1/findings/{opened['id']}", headers=inspector).status_code == 404
    assert client.post(f"/api/v1/findings/{opened['id']}/close", json={"note": "Hết hạn"},
                       headers=inspector).status_code == 404
    # The school still reads and answers its finding.
    assert client.get(f"/api/v1/findings/{opened['id']}", headers=_principal(people)).status_code == 200


def test_another_schools_finding_or_version_id_in_a_request_is_not_found(client, people, school) -> None:
    inspector = _inspector(people, GRANT)
    finding = client.post("/api/v1/findings", json=_finding({"kind": "document", "document": school["lesson"]["document"]["id"]}),
                          headers=inspector).get_json()
    # School B's version attached by school A's principal: not found, and nothing is recorded.
    foreign = school["other"]["version"]["id"]
    answer = client.post(f"/api/v1/findings/{finding['id']}/answer", headers=_principal(people),
                         json={"text": "Đã sửa.", "version_id": foreign})
    assert answer.status_code == 404
    assert client.get(f"/api/v1/findings/{finding['id']}", headers=_principal(people)).get_json()["state"] == "open"
    # School B's staff, and an inspector of another campaign, do not see school A's finding.
    principal_b = auth(people.school("thhn.hieutruong", SCHOOL_B, roles=("hieu_truong",)))
    for headers in (principal_b, auth(people.teacher_b()), _inspector(people, GRANT_B, sub="pgd.kiemtra2")):
        assert client.get(f"/api/v1/findings/{finding['id']}", headers=headers).status_code == 404
        assert client.get("/api/v1/findings", headers=headers).get_json()["items"] == []
    assert client.post(f"/api/v1/findings/{finding['id']}/answer", headers=auth(people.teacher_b()),
                       json={"text": "Trả lời hộ."}).status_code == 404
    assert client.post(f"/api/v1/findings/{finding['id']}/close", json={"note": "Đóng hộ."},
                       headers=_inspector(people, GRANT_B, sub="pgd.kiemtra2")).status_code == 404
    assert client.get("/api/v1/findings", query_string={"school": "th-hoa-phong"},
                      headers=principal_b).status_code == 404


def test_who_answers_and_who_closes(client, people, school) -> None:
    inspector = _inspector(people, GRANT)
    finding = client.post("/api/v1/findings", json=_finding({"kind": "teacher", "teacher": TEACHER_A}),
                          headers=inspector).get_json()
    # The vice-principal sees the school's findings but the principal (or the teacher) answers.
    vice = auth(people.school("thhp.phohieutruong", SCHOOL_A, roles=("pho_hieu_truong",)))
    refused = client.post(f"/api/v1/findings/{finding['id']}/answer", headers=vice, json={"text": "Đã nhắc nhở."})
    assert refused.status_code == 403 and refused.get_json()["code"] == "not-finding-answerer"
    # The school does not close findings; closing an unanswered one needs a note.
    assert client.post(f"/api/v1/findings/{finding['id']}/close", json={"note": "x"},
                       headers=_principal(people)).status_code == 403
    bare = client.post(f"/api/v1/findings/{finding['id']}/close", json={}, headers=inspector)
    assert bare.status_code == 422 and bare.get_json()["code"] == "finding-note-required"
    # Any member of the campaign's team closes it, with a note.
    colleague = _inspector(people, GRANT, sub="pgd.thanhtra2", name="Phạm Minh Đức")
    closed = client.post(f"/api/v1/findings/{finding['id']}/close", json={"note": "Đã trao đổi trực tiếp."},
                         headers=colleague)
    assert closed.status_code == 200
    assert closed.get_json()["closed_by_name"] == "Phạm Minh Đức" and closed.get_json()["close_note"] == "Đã trao đổi trực tiếp."


def test_an_answer_saved_on_a_copy_read_before_the_close_is_refused(client, people, school) -> None:
    finding = client.post("/api/v1/findings", json=_finding({"kind": "school"}), headers=_inspector(people, GRANT)).get_json()
    repo = FindingRepository(scope=TenantScope.school("th-hoa-phong", "pgd-hoa-vang", "so-da-nang"))
    answering, closing = repo.query(id=finding["id"]).first(), repo.query(id=finding["id"]).first()
    closing.state = "closed"
    repo.save_change(closing)
    answering.state = "answered"
    with pytest.raises(Conflict):
        repo.save_change(answering)
    assert client.get(f"/api/v1/findings/{finding['id']}", headers=_principal(people)).get_json()["state"] == "closed"
