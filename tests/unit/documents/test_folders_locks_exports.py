"""Folders and submission addresses, lock and open, search, exports with progress."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from documents_testkit import NOW, SCHOOL_B, auth, pdf_bytes, publish_frame, upload  # type: ignore[import-not-found]
from pypdf import PdfReader

from services.documents.adapters.records import ExportRecord, FolderRecord, LockRecord
from services.identity.events import SCHOOL_ONBOARDED
from services.kernel.events import Event
from services.kernel.testing import example_event


def test_the_catalog_is_served_with_slugs_chains_and_signers(client, people) -> None:
    body = client.get("/api/v1/catalog/tieu_hoc", headers=auth(people.teacher_a())).get_json()
    books = {b["slug"]: b for b in body["books"]}
    assert books["ke_hoach_bai_day"]["approval_chain"] == "to_truong"
    assert books["hoc_ba"]["signers"][-1] == {"order": 3, "role": "van_thu", "kind": "organisation"}
    assert client.get("/api/v1/catalog/dai_hoc", headers=auth(people.teacher_a())).status_code == 404
    assert client.get("/api/v1/catalog/tieu_hoc").status_code == 401


def test_onboarding_generates_the_default_tree_of_the_year(container) -> None:
    folders = FolderRecord.objects(tenant_id="th-hoa-phong", school_year="2025-2026")
    by_book: dict[str, list[str]] = {}
    for folder in folders:
        by_book.setdefault(folder.book, []).append(folder.owner_key)
    assert by_book["so_dang_bo"] == ["school"]
    assert sorted(by_book["ke_hoach_to"]) == ["th-hoa-phong/to-1", "th-hoa-phong/to-4", "th-hoa-phong/to-van-phong"]
    assert by_book["so_chu_nhiem"] == ["th-hoa-phong/lop-4a"]
    assert len(FolderRecord.objects.get(id="th-hoa-phong:2025-2026:so_hoat_dong_to:th-hoa-phong/to-4").periods) == 9
    # The onboarding consumer is idempotent per event and per folder.
    event = example_event(SCHOOL_ONBOARDED, school_id="th-hoa-phong", slug="th-hoa-phong",
                          name="Trường Tiểu học Hòa Phong", levels=["tieu_hoc"], district_id="pgd-hoa-vang",
                          province_id="so-da-nang", units=[])
    before = FolderRecord.objects.count()
    container.consumers["documents.onboarding"].handle(event)
    assert container.consumers["documents.onboarding"].handle(event) is False
    assert FolderRecord.objects.count() == before


def test_my_addresses_are_exactly_the_books_i_owe(client, container, people) -> None:
    publish_frame(container)
    teacher = client.get("/api/v1/me/addresses", query_string={"school_year": "2025-2026"},
                         headers=auth(people.teacher_a())).get_json()["items"]
    owed = {(i["book"], i["owner_key"]) for i in teacher}
    assert owed == {("ho_so_khuyet_tat", "thhp.giaovien"), ("ke_hoach_day_hoc_gv", "thhp.giaovien"),
                    ("ke_hoach_bai_day", "thhp.giaovien"), ("so_shcm", "thhp.giaovien"),
                    ("hoc_ba", "th-hoa-phong/lop-4a"), ("bang_tong_hop", "th-hoa-phong/lop-4a"),
                    ("so_chu_nhiem", "th-hoa-phong/lop-4a"), ("so_dang_bo", "school")}
    lesson = next(i for i in teacher if i["book"] == "ke_hoach_bai_day")
    # the teaching weeks of the district's frame are listed (tuần 1 = 08/9; Tết and 27/4–1/5 have no school day)
    assert len(lesson["periods"]) == 36
    assert {"key": "2025-2026.t05", "label": "Tuần 5 (06/10/2025)"} in lesson["periods"]
    van_thu = {i["book"] for i in client.get("/api/v1/me/addresses", headers=auth(people.van_thu_a())).get_json()["items"]}
    assert van_thu == {"so_dang_bo", "so_quan_ly_can_bo", "so_van_ban"}
    folders = client.get("/api/v1/folders", query_string={"school_year": "2025-2026"},
                         headers=auth(people.teacher_a())).get_json()["items"]
    assert {f["book"] for f in folders} >= {"ke_hoach_bai_day", "so_chu_nhiem"}
    assert all(f["owner_key"] in ("thhp.giaovien", "th-hoa-phong/lop-4a", "school") for f in folders)


def test_locks_are_admin_only_audited_and_published(client, container, people) -> None:
    body = {"book": "ke_hoach_bai_day", "starts_at": NOW.isoformat(), "ends_at": (NOW + timedelta(days=1)).isoformat(),
            "reason": "Khóa theo chỉ đạo của Hiệu trưởng"}
    assert client.post("/api/v1/locks", json=body, headers=auth(people.teacher_a())).status_code == 403
    bad = client.post("/api/v1/locks", json={**body, "ends_at": NOW.isoformat()}, headers=auth(people.quan_tri_a()))
    assert bad.status_code == 422
    created = client.post("/api/v1/locks", json=body, headers=auth(people.quan_tri_a())).get_json()
    assert client.get("/api/v1/locks", headers=auth(people.teacher_a())).get_json()["items"][0]["id"] == created["id"]
    assert upload(client, people.teacher_a(), pdf_bytes()).status_code == 423
    assert client.delete(f"/api/v1/locks/{created['id']}", headers=auth(people.quan_tri_a())).status_code == 200
    lock = LockRecord.objects.get(id=created["id"])
    assert [e["type"] for e in lock.outbox] == ["documents.lock.created", "documents.lock.removed"]
    actions = [e["action"] for e in container.runtime.audit.entries(target=created["id"])]
    assert actions == ["documents.lock.removed", "documents.lock.created"]
    container.runtime.relay(container.outbox_collections()).relay_once()
    assert "documents.lock.removed" in container.runtime.publisher.types()


def test_search_filters_and_cursor_pagination(client, people) -> None:
    for week in range(1, 6):
        upload(client, people.teacher_a(), pdf_bytes(), name=f"Tuần {week}.pdf", period=f"2025-2026.t{week:02d}",
               title=f"Kế hoạch bài dạy Toán tuần {week}")
    upload(client, people.teacher_a(), pdf_bytes(), book="so_shcm", period="2025-10", title="Sổ SHCM tháng 10")
    teacher = auth(people.teacher_a())
    page1 = client.get("/api/v1/documents", query_string={"book": "ke_hoach_bai_day", "limit": 2}, headers=teacher).get_json()
    page2 = client.get("/api/v1/documents", query_string={"book": "ke_hoach_bai_day", "limit": 2, "cursor": page1["next_cursor"]},
                       headers=teacher).get_json()
    page3 = client.get("/api/v1/documents", query_string={"book": "ke_hoach_bai_day", "limit": 2, "cursor": page2["next_cursor"]},
                       headers=teacher).get_json()
    ids = [d["id"] for p in (page1, page2, page3) for d in p["items"]]
    assert len(ids) == 5 == len(set(ids)) and page3["next_cursor"] is None
    found = client.get("/api/v1/documents", query_string={"q": "TOÁN TUẦN 3"}, headers=teacher).get_json()["items"]
    assert [d["title"] for d in found] == ["Kế hoạch bài dạy Toán tuần 3"]
    month = client.get("/api/v1/documents", query_string={"period": "2025-10", "unit_id": "th-hoa-phong/to-4"},
                       headers=teacher).get_json()["items"]
    assert [d["book"] for d in month] == ["so_shcm"]
    assert client.get("/api/v1/documents", query_string={"limit": 0}, headers=teacher).status_code == 422


def test_zip_export_with_manifest_runs_in_the_background_with_progress(client, container, people) -> None:
    datas = [pdf_bytes(n) for n in (1, 2, 3)]
    for week, data in enumerate(datas, start=1):
        upload(client, people.teacher_a(), data, name=f"Kế hoạch tuần {week}.pdf", period=f"2025-2026.t{week:02d}")
    assert client.post("/api/v1/exports", json={"school_year": "2025-2026"}, headers=auth(people.teacher_a())).status_code == 403
    job = client.post("/api/v1/exports", json={"school_year": "2025-2026", "book": "ke_hoach_bai_day"},
                      headers=auth(people.hieu_truong_a()))
    assert job.status_code == 202 and job.get_json()["status"] == "queued" and job.get_json()["percent"] == 0
    record = ExportRecord.objects.get(id=job.get_json()["id"])
    event = Event.from_dict(record.outbox[0])
    assert event.type == "documents.export.requested"
    container.consumers["documents.exports"].handle(event)
    status = client.get(f"/api/v1/exports/{record.id}", headers=auth(people.hieu_truong_a())).get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["total"] == 3
    archive = zipfile.ZipFile(io.BytesIO(client.get(status["file_url"], headers=auth(people.hieu_truong_a())).data))
    manifest = json.loads(archive.read("manifest.json"))
    assert len(manifest["files"]) == 3
    import hashlib
    for row in manifest["files"]:
        assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"]
        assert row["book"] == "ke_hoach_bai_day" and row["owner"] == "thhp.giaovien"
    assert archive.read("manifest.csv").decode("utf-8-sig").splitlines()[0] == "file,book,period,owner,sha256,signatures"
    assert "documents.export.completed" in [e["type"] for e in ExportRecord.objects.get(id=record.id).outbox]


def test_print_export_merges_a_tos_lesson_plans_and_puts_so_dang_bo_on_a3(client, container, people) -> None:
    publish_frame(container)
    for week in (5, 6, 9):
        upload(client, people.teacher_a(), pdf_bytes(2), period=f"2025-2026.t{week:02d}")
    # October 2025 by the district's calendar: tuần 5-8 (tuần 1 is the week of Mon 08/9; tuần 9 starts 03/11).
    job = client.post("/api/v1/exports", json={"kind": "print", "school_year": "2025-2026", "book": "ke_hoach_bai_day",
                                               "unit_id": "th-hoa-phong/to-4", "period": "2025-10"},
                      headers=auth(people.to_truong_a())).get_json()
    assert job["filters"]["period__in"] == ["2025-2026.t05", "2025-2026.t06", "2025-2026.t07", "2025-2026.t08"]
    assert client.post("/api/v1/exports", json={"kind": "print", "school_year": "2025-2026", "book": "ke_hoach_bai_day",
                                                "unit_id": "th-hoa-phong/to-1"},
                       headers=auth(people.to_truong_a())).status_code == 403, "another tổ"
    container.exports.run(tenant="th-hoa-phong", district="pgd-hoa-vang", export_id=job["id"])
    merged = PdfReader(io.BytesIO(client.get(f"/api/v1/exports/{job['id']}/file", headers=auth(people.to_truong_a())).data))
    assert len(merged.pages) == 4 and round(float(merged.pages[0].mediabox.width)) == 595
    upload(client, people.van_thu_a(), pdf_bytes(1), book="so_dang_bo", period="2025-2026")
    a3 = client.post("/api/v1/exports", json={"kind": "print", "school_year": "2025-2026", "book": "so_dang_bo"},
                     headers=auth(people.van_thu_a())).get_json()
    container.exports.run(tenant="th-hoa-phong", district="pgd-hoa-vang", export_id=a3["id"])
    page = PdfReader(io.BytesIO(client.get(f"/api/v1/exports/{a3['id']}/file", headers=auth(people.van_thu_a())).data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 1191)


def test_the_openapi_document_lists_the_raw_upload_and_the_internal_calls(client) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    upload_op = paths["/api/v1/documents/upload"]["post"]
    assert "application/octet-stream" in upload_op["requestBody"]["content"]
    assert {"book", "period"} <= {p["name"] for p in upload_op["parameters"]}
    assert "post" in paths["/api/v1/internal/versions/{version_id}/signed"]
    assert client.get("/readyz").get_json()["checks"]["object_store"] == "ok"


def test_a_new_school_year_gets_its_trees_from_the_periodic_job(container, clock) -> None:
    from datetime import datetime, timezone
    assert FolderRecord.objects(school_year="2026-2027").count() == 0
    clock.set(datetime(2026, 9, 1, 1, 0, tzinfo=timezone.utc))
    [(interval, job)] = [(i, j) for i, j in container.periodic() if j == container.ensure_current_year_folders]
    job()
    job()
    assert interval <= 86400
    assert FolderRecord.objects(school_year="2026-2027", tenant_id="th-hoa-phong").count() == \
        FolderRecord.objects(school_year="2025-2026", tenant_id="th-hoa-phong", owner_kind__ne="person").count()


def test_an_export_naming_another_schools_unit_is_refused(client, people) -> None:
    """Found by the trust suite's isolation matrix: school B's principal started an export filtered on
    school A's tổ (202). A unit id is checked against the caller's school, as a lock's scope is."""
    principal_b = people.school("thhn.hieutruong", SCHOOL_B, roles=("hieu_truong",))
    resp = client.post("/api/v1/exports", json={"school_year": "2025-2026", "unit_id": "th-hoa-phong/to-4"},
                       headers=auth(principal_b))
    assert resp.status_code == 422 and resp.get_json()["field"] == "unit_id"
    assert resp.get_json()["detail"] == "Đơn vị không thuộc trường."
    assert ExportRecord.objects(requested_by="thhn.hieutruong").count() == 0
    own = client.post("/api/v1/exports", json={"school_year": "2025-2026", "unit_id": "th-hoa-phong/to-4"},
                      headers=auth(people.hieu_truong_a()))
    assert own.status_code == 202
