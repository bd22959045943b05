"""Deadlines are approvals' facts: documents' catalog, addresses and templates carry none.

A screen that shows when something is due reads approvals (obligations' ``due_at``, ``GET /rules``);
documents says what is kept, by whom, in which items. A template still sending ``deadlines`` with a
book it adds is refused with a Vietnamese 422 naming the field and where deadlines are set.
"""
from __future__ import annotations

from documents_testkit import SCHOOL_A, auth  # type: ignore[import-not-found]

MIB = 1024 * 1024
BOOK = {"slug": "so_ban_tru", "name": "Sổ theo dõi bán trú", "owner_kind": "school", "owner_roles": ["ke_toan"],
        "cadence": "month", "formats": ["pdf"], "max_bytes": 10 * MIB}


def _put(client, token: str, body: dict):
    return client.put("/api/v1/catalog/tieu_hoc/templates/truong", json=body, headers=auth(token))


def test_no_answer_of_documents_says_when_a_book_is_due(client, people) -> None:
    answers = [
        client.get("/api/v1/catalog/mam_non", headers=auth(people.teacher_a())).get_json()["books"],
        client.get("/api/v1/catalog/tieu_hoc/effective", headers=auth(people.teacher_a())).get_json()["books"],
        client.get(f"/api/v1/internal/schools/{SCHOOL_A['school_id']}/catalog",
                   headers=auth(people.service("approvals"))).get_json()["books"],
        client.get("/api/v1/me/addresses", query_string={"school_year": "2025-2026"},
                   headers=auth(people.teacher_a())).get_json()["items"],
    ]
    for entries in answers:
        assert entries
        for entry in entries:
            assert "deadlines" not in entry, entry
    assert "DeadlineBody" not in str(client.get("/openapi.json").get_json())


def test_a_template_sending_deadlines_is_refused_and_told_where_they_are_set(client, people) -> None:
    sent = dict(BOOK, deadlines=[{"kind": "monthly", "text": "Ngày cuối tháng", "params": {"day": "last"}}])
    resp = _put(client, people.hieu_truong_a(), {"additions": [sent]})
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["field"] == "additions.0.deadlines"
    assert body["detail"] == (
        "Trường «additions.0.deadlines» không thuộc danh mục hồ sơ: hạn nộp của từng mục được đặt trong quy chế "
        "hạn nộp (phân hệ phê duyệt, trang Quy chế), không gửi kèm loại hồ sơ.")
    effective = client.get("/api/v1/catalog/tieu_hoc/effective", headers=auth(people.teacher_a())).get_json()["books"]
    assert "so_ban_tru" not in {b["slug"] for b in effective}  # nothing of the refused template was saved
    # the same book without deadlines is added; its items are what approvals dates
    assert _put(client, people.hieu_truong_a(), {"additions": [BOOK]}).status_code == 200
    added = next(b for b in client.get("/api/v1/catalog/tieu_hoc/effective",
                                       headers=auth(people.teacher_a())).get_json()["books"] if b["slug"] == "so_ban_tru")
    assert added["items"] == [{"slug": "hang_thang", "label": "Hằng tháng", "period_kind": "month"}]
