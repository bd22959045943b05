"""The catalog a school is held to, as approvals reads it: declared, versioned, service-only.

Also the upload side of the one period model: keys of the kernel's grammar, of the item's kind.
"""
from __future__ import annotations

from documents_testkit import SCHOOL_A, auth, pdf_bytes, upload  # type: ignore[import-not-found]

from services.documents.adapters.records import CatalogTemplateRecord

MIB = 1024 * 1024
CATALOG = f"/api/v1/internal/schools/{SCHOOL_A['school_id']}/catalog"


def test_the_catalog_is_for_services_only_and_says_what_each_book_owes(client, people) -> None:
    assert client.get(CATALOG, headers=auth(people.hieu_truong_a())).status_code == 403
    resp = client.get(CATALOG, headers=auth(people.service("approvals")))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["school"] == SCHOOL_A["school_id"] and body["levels"] == ["tieu_hoc"] and len(body["version"]) == 20
    books = {b["slug"]: b for b in body["books"]}
    lesson = books["ke_hoach_bai_day"]
    assert lesson["owner"]["kind"] == "person" and lesson["owner"]["roles"] == ["giao_vien"]
    assert lesson["items"] == [{"slug": "hang_tuan", "label": "Kế hoạch bài dạy hằng tuần", "period_kind": "week"}]
    assert lesson["approval_chain"] == "to_truong" and lesson["levels"] == ["tieu_hoc"]
    assert books["hoc_ba"]["per_document"] is True
    assert books["hoc_ba"]["signers"] == [{"order": 1, "role": "gvcn", "kind": "personal"},
                                          {"order": 2, "role": "hieu_truong", "kind": "personal"},
                                          {"order": 3, "role": "van_thu", "kind": "organisation"}]
    assert [s["role"] for s in books["so_dang_bo"]["signers"]] == ["hieu_truong", "van_thu"]
    # declared in the OpenAPI document
    assert "SchoolCatalog" in str(client.get("/openapi.json").get_json())


def test_the_version_holds_until_a_template_changes_it_and_the_change_is_published(client, people) -> None:
    first = client.get(CATALOG, headers=auth(people.service("approvals")))
    etag = first.headers["ETag"]
    again = client.get(CATALOG, headers=auth(people.service("approvals"), **{"If-None-Match": etag}))
    assert again.status_code == 304 and not again.data
    added = client.put("/api/v1/catalog/tieu_hoc/templates/truong", headers=auth(people.hieu_truong_a()), json={
        "additions": [{"slug": "so_ban_tru", "name": "Sổ theo dõi bán trú", "owner_kind": "school",
                       "owner_roles": ["ke_toan"], "cadence": "month", "formats": ["pdf"], "max_bytes": 10 * MIB,
                       "approval_chain": "hieu_truong",
                       "items": [{"slug": "hang_thang", "label": "Tổng hợp tháng", "period_kind": "month"}]}]})
    assert added.status_code == 200, added.get_json()
    changed = client.get(CATALOG, headers=auth(people.service("approvals"), **{"If-None-Match": etag}))
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    book = next(b for b in changed.get_json()["books"] if b["slug"] == "so_ban_tru")
    assert book["defined_by"] == "truong" and book["items"][0]["period_kind"] == "month"
    record = CatalogTemplateRecord.objects(tier="truong", owner_id=SCHOOL_A["school_id"]).first()
    events = [e for e in record.outbox if e["type"] == "documents.catalog.changed"]
    assert len(events) == 1 and record.outbox_pending
    assert set(events[0]["data"]) == {"tier", "owner_id", "version"}
    assert events[0]["data"]["tier"] == "truong" and events[0]["data"]["owner_id"] == SCHOOL_A["school_id"]


def test_uploads_take_the_kernels_period_keys_of_the_items_kind(client, people) -> None:
    teacher = people.teacher_a()
    assert upload(client, teacher, pdf_bytes(), period="2025-2026.t38").status_code == 201  # past week 35
    for bad in ("2025-2026.t54", "2025-2026/tuan-07", "2025-10", "2025-2026.hk1"):
        resp = upload(client, teacher, pdf_bytes(), period=bad)
        assert resp.status_code == 422 and resp.get_json()["field"] == "period", bad
    monthly = upload(client, teacher, pdf_bytes(), book="so_shcm", period="2026-05")
    assert monthly.status_code == 201, monthly.get_json()
    # an event-relative item (sổ đăng bộ, mid-year) is keyed by the school year
    assert upload(client, people.van_thu_a(), pdf_bytes(), book="so_dang_bo", period="2025-2026").status_code == 201


def test_onboarding_a_school_publishes_that_its_catalog_exists(container) -> None:
    from services.documents.adapters.records import SchoolRecord

    record = SchoolRecord.objects(id=SCHOOL_A["school_id"]).first()
    events = [e for e in record.outbox if e["type"] == "documents.catalog.changed"]
    assert [e["data"]["owner_id"] for e in events] == [SCHOOL_A["school_id"]]
    assert events[0]["data"]["tier"] == "truong" and events[0]["tenant"] == SCHOOL_A["school_id"]
