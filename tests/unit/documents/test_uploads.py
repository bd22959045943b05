"""Uploads: good files become immutable versions; bad input is refused with problem+json
and leaves nothing behind (no metadata without bytes, no bytes without metadata)."""
from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from urllib.parse import quote

import pytest

from services.documents.adapters.local_store import LocalDiskObjectStore
from services.documents.adapters.object_store import ObjectStoreError
from services.documents.adapters.records import DocumentRecord, VersionRecord
from services.documents.bootstrap import bootstrap
from services.documents.entrypoints.app import create_app
from services.kernel.messaging import InMemoryPublisher

from documents_testkit import NOW, SCHOOL_A, auth, docx_bytes, pdf_bytes, upload  # type: ignore[import-not-found]


def assert_nothing_written(container) -> None:
    assert VersionRecord.objects.count() == 0
    assert DocumentRecord.objects.count() == 0
    assert container.store.keys("th-hoa-phong/") == []


def assert_problem(resp, status: int, slug: str | None = None) -> dict:
    assert resp.status_code == status, resp.get_json()
    assert resp.content_type == "application/problem+json"
    body = resp.get_json()
    assert body["title"] and any(ch in body["title"] for ch in "ạảãáàâăđêôơưệểễếềộổỗốồớờởỡợứừửữự")
    if slug:
        assert body["type"].endswith("/" + slug)
    return body


def test_a_teacher_uploads_a_lesson_plan_as_a_new_immutable_version(client, container, people) -> None:
    data = pdf_bytes(2)
    resp = upload(client, people.teacher_a(), data, name="Kế hoạch bài dạy tuần 5 – Toán.pdf")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    version = body["version"]
    assert version["sha256"] == hashlib.sha256(data).hexdigest() and version["size"] == len(data)
    assert version["file_name"] == "Kế hoạch bài dạy tuần 5 – Toán.pdf" and version["format"] == "pdf"
    assert body["document"]["owner_key"] == "thhp.giaovien" and body["document"]["unit_id"] == "th-hoa-phong/to-4"
    stored = container.store.keys("th-hoa-phong/")
    assert stored == [f"th-hoa-phong/{version['id']}"], "stored under an opaque id, never the file name"
    record = VersionRecord.objects.get(id=version["id"])
    assert [e["type"] for e in record.outbox] == ["documents.version.uploaded"]
    assert container.runtime.audit.entries(target=version["id"])[0]["action"] == "documents.version.uploaded"
    second = client.post(f"/api/v1/documents/{body['document']['id']}/versions", data=pdf_bytes(3),
                         headers=auth(people.teacher_a(), **{"X-File-Name": "v2.pdf"}), content_type="application/pdf")
    assert second.status_code == 201 and second.get_json()["version"]["number"] == 2
    content = client.get(f"/api/v1/versions/{version['id']}/content", headers=auth(people.teacher_a()))
    assert content.data == data, "version 1 is unchanged after version 2"
    assert "filename*=UTF-8''K%E1%BA%BF" in content.headers["Content-Disposition"]


def test_office_uploads_wait_for_a_pdf_rendition(client, people) -> None:
    resp = upload(client, people.teacher_a(), docx_bytes(), name="giao-an.docx")
    assert resp.status_code == 201
    assert resp.get_json()["version"]["format"] == "docx"
    assert resp.get_json()["version"]["rendition_status"] == "pending"


def test_a_retried_upload_with_the_same_idempotency_key_is_a_no_op(client, container, people) -> None:
    first = upload(client, people.teacher_a(), pdf_bytes(), idempotency_key="abc-123")
    again = upload(client, people.teacher_a(), pdf_bytes(), idempotency_key="abc-123")
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["version"]["id"] == first.get_json()["version"]["id"]
    assert again.get_json()["replayed"] is True
    assert VersionRecord.objects.count() == 1 and len(container.store.keys("th-hoa-phong/")) == 1


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


@pytest.mark.parametrize("case, data, name, status, slug", [
    ("empty file", b"", "trong.pdf", 422, "empty-file"),
    ("renamed executable", EXE * 50, "ke-hoach.pdf", 415, "wrong-file-type"),
    ("corrupt PDF", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n" + b"garbage" * 500, "hong.pdf", 415, "invalid-file"),
    ("zip that is not office", None, "nen.docx", 415, "invalid-file"),
    ("path traversal in name", None, "../../etc/passwd.pdf", 422, "validation-failed"),
    ("control character in name", None, "ke\x00hoach.pdf", 422, "validation-failed"),
    ("newline in name", None, "ke\nhoach.pdf", 422, "validation-failed"),
])
def test_bad_input_is_refused_and_nothing_is_half_written(client, container, people, case, data, name, status, slug) -> None:
    if data is None:
        if case == "zip that is not office":
            buffer = io.BytesIO()
            import zipfile
            with zipfile.ZipFile(buffer, "w") as z:
                z.writestr("a.txt", "x" * 10000)
            data = buffer.getvalue()
        else:
            data = pdf_bytes()
    resp = upload(client, people.teacher_a(), data, name=name)
    assert_problem(resp, status, slug)
    assert_nothing_written(container)


def test_over_the_size_limit_is_refused_before_and_while_streaming(client, container, people) -> None:
    big = b"%PDF-1.7\n" + b"0" * (30 * 1024 * 1024 + 1)
    assert_problem(upload(client, people.teacher_a(), big), 413, "payload-too-large")
    assert_nothing_written(container)
    # Without a Content-Length (chunked), the stream itself is cut at the limit.
    from services.documents.service_layer.access import school_context
    from services.documents.service_layer.uploads import UploadRequest
    from services.kernel.errors import PayloadTooLarge
    from services.kernel.principal import Principal
    principal = Principal(sub="thhp.giaovien", tenant="th-hoa-phong", district="pgd-hoa-vang",
                          unit_roles=frozenset({("giao_vien", "th-hoa-phong/to-4")}), roles=frozenset({"giao_vien"}))
    with pytest.raises(PayloadTooLarge):
        container.uploads.upload(school_context(principal), UploadRequest(
            file_name="lon.pdf", content_length=None, book="ke_hoach_bai_day", period="2025-2026.t05"), io.BytesIO(big))
    assert_nothing_written(container)


def test_a_file_name_header_that_is_not_utf8_is_refused(client, container, people) -> None:
    resp = client.post("/api/v1/documents/upload", query_string={"book": "ke_hoach_bai_day", "period": "2025-2026.t05"},
                       data=pdf_bytes(), headers=auth(people.teacher_a(), **{"X-File-Name": "%C3%28.pdf"}))
    assert_problem(resp, 422)
    assert_nothing_written(container)


def test_upload_into_a_locked_period_is_refused_with_the_reason(client, container, people) -> None:
    lock = client.post("/api/v1/locks", json={
        "period": "2025-2026.t05", "starts_at": (NOW - timedelta(hours=1)).isoformat(),
        "ends_at": (NOW + timedelta(days=2)).isoformat(), "reason": "Theo chỉ đạo của Hiệu trưởng: kiểm tra hồ sơ tuần 5"},
        headers=auth(people.quan_tri_a()))
    assert lock.status_code == 201, lock.get_json()
    body = assert_problem(upload(client, people.teacher_a(), pdf_bytes()), 423, "locked")
    assert "kiểm tra hồ sơ tuần 5" in body["detail"] and "khóa" in body["detail"]
    assert_nothing_written(container)
    assert upload(client, people.teacher_a(), pdf_bytes(), period="2025-2026.t06").status_code == 201
    client.delete(f"/api/v1/locks/{lock.get_json()['id']}", headers=auth(people.quan_tri_a()))
    assert upload(client, people.teacher_a(), pdf_bytes()).status_code == 201


def test_upload_by_someone_who_does_not_owe_the_book_is_refused(client, container, people) -> None:
    assert_problem(upload(client, people.teacher2_a(), pdf_bytes(), book="so_dang_bo", period="2025-2026"), 403, "not-owner")
    assert_problem(upload(client, people.teacher_a(), pdf_bytes(), book="ke_hoach_to", period="2025-2026"), 403, "not-owner")
    assert_problem(upload(client, people.chuyen_vien(), pdf_bytes()), 403)
    assert_nothing_written(container)


def test_a_period_outside_the_book_cadence_is_refused(client, container, people) -> None:
    assert_problem(upload(client, people.teacher_a(), pdf_bytes(), period="2025-10"), 422)
    assert_nothing_written(container)


class StoreFailingMidUpload(LocalDiskObjectStore):
    """The local store whose disk fails after some bytes: the real adapter must clean up."""

    def put_stream(self, key, source, *, content_type="application/octet-stream"):  # type: ignore[no-untyped-def]
        class Breaking:
            def __init__(self) -> None:
                self.seen = 0

            def read(self, size: int = -1) -> bytes:
                chunk = source.read(size)
                self.seen += len(chunk)
                if self.seen > 100_000:
                    raise ObjectStoreError("connection to storage lost")
                return chunk

        return super().put_stream(key, Breaking(), content_type=content_type)


def test_the_object_store_failing_mid_upload_leaves_nothing(tmp_path, clock, tokens, people) -> None:
    store = StoreFailingMidUpload(root=tmp_path / "objects")
    c = bootstrap({"mode": "test", "work_dir": str(tmp_path / "w"), "jwt_issuer": tokens.issuer}, environ={},
                  clock=clock, publisher=InMemoryPublisher(), verifier=tokens.verifier(), store=store)
    c.folders.onboard(SCHOOL_A, "2025-2026")
    client = create_app(container=c).test_client()
    resp = upload(client, people.teacher_a(), pdf_bytes() + b"%" + b"0" * 2_000_000)
    assert_problem(resp, 503, "storage-unavailable")
    assert_nothing_written(c)
    assert not any((tmp_path / "objects" / ".tmp").iterdir())


def test_approved_and_signed_versions_are_write_once_except_by_correction(client, container, people) -> None:
    first = upload(client, people.teacher_a(), pdf_bytes()).get_json()
    service = people.service("approvals")
    approved = client.post(f"/api/v1/internal/versions/{first['version']['id']}/approved",
                           query_string={"tenant": "th-hoa-phong"}, json={"decision_id": "qd-1"}, headers=auth(service))
    assert approved.status_code == 200 and approved.get_json()["write_once"] is True
    again = client.post(f"/api/v1/documents/{first['document']['id']}/versions", data=pdf_bytes(2),
                        headers=auth(people.teacher_a(), **{"X-File-Name": "sua.pdf"}))
    assert_problem(again, 409, "write-once")
    refused = client.post(f"/api/v1/internal/documents/{first['document']['id']}/corrections",
                          query_string={"tenant": "th-hoa-phong", "correction_id": "bb-01"}, data=pdf_bytes(2),
                          headers=auth(people.teacher_a(), **{"X-File-Name": "sua.pdf"}))
    assert refused.status_code == 403, "only services may use the correction procedure"
    corrected = client.post(f"/api/v1/internal/documents/{first['document']['id']}/corrections",
                            query_string={"tenant": "th-hoa-phong", "correction_id": "bb-01"}, data=pdf_bytes(2),
                            headers=auth(service, **{"X-File-Name": quote("Đính chính.pdf")}))
    assert corrected.status_code == 201, corrected.get_json()
    assert corrected.get_json()["kind"] == "correction" and corrected.get_json()["correction_id"] == "bb-01"


def test_the_signing_service_fetches_a_pdf_and_stores_a_signed_version(client, container, people) -> None:
    data = pdf_bytes()
    first = upload(client, people.teacher_a(), data).get_json()
    service = people.service()
    pdf = client.get(f"/api/v1/internal/versions/{first['version']['id']}/pdf", query_string={"tenant": "th-hoa-phong"},
                     headers=auth(service))
    assert pdf.status_code == 200 and pdf.data == data
    signed_bytes = pdf_bytes(1, text="signed")
    signed = client.post(f"/api/v1/internal/versions/{first['version']['id']}/signed",
                         query_string={"tenant": "th-hoa-phong"}, data=signed_bytes,
                         headers=auth(service, **{"X-Signers": '[{"sub": "thhp.totruong", "name": "Võ Thị Hồng Nhung"}]'}))
    assert signed.status_code == 201, signed.get_json()
    assert signed.get_json()["sha256"] == hashlib.sha256(signed_bytes).hexdigest()
    version = client.get(f"/api/v1/versions/{signed.get_json()['id']}", headers=auth(people.teacher_a())).get_json()
    assert version["kind"] == "signed" and version["derived_from"] == first["version"]["id"]
    doc = client.get(f"/api/v1/documents/{first['document']['id']}", headers=auth(people.teacher_a())).get_json()
    assert doc["status"] == "signed" and doc["write_once"] is True
    assert client.get(f"/api/v1/internal/versions/{first['version']['id']}/pdf", query_string={"tenant": "th-hoa-phong"},
                      headers=auth(people.teacher_a())).status_code == 403


def test_an_approval_event_makes_the_version_write_once(client, container, people) -> None:
    from services.approvals.events import APPROVED
    from services.kernel.testing import example_event
    first = upload(client, people.teacher_a(), pdf_bytes()).get_json()
    event = example_event(APPROVED, actor="thhp.totruong", submission_id="s1", version_id=first["version"]["id"],
                          document_id=first["document"]["id"])
    container.consumers["documents.approvals"].handle(event)
    version = client.get(f"/api/v1/versions/{first['version']['id']}", headers=auth(people.teacher_a())).get_json()
    assert version["status"] == "approved"
    again = client.post(f"/api/v1/documents/{first['document']['id']}/versions", data=pdf_bytes(2),
                        headers=auth(people.teacher_a(), **{"X-File-Name": "sua.pdf"}))
    assert_problem(again, 409, "write-once")


def test_a_raw_utf8_file_name_header_is_kept_in_nfc(client, people) -> None:
    raw = "Kế hoạch bài dạy.pdf".encode("utf-8").decode("latin-1")
    resp = client.post("/api/v1/documents/upload", query_string={"book": "ke_hoach_bai_day", "period": "2025-2026.t05"},
                       data=pdf_bytes(), headers=auth(people.teacher_a(), **{"X-File-Name": raw}))
    assert resp.status_code == 201 and resp.get_json()["version"]["file_name"] == "Kế hoạch bài dạy.pdf"


def test_a_decomposed_vietnamese_name_is_stored_in_nfc(client, people) -> None:
    import unicodedata
    nfd = unicodedata.normalize("NFD", "Sổ chủ nhiệm tháng 10.pdf")
    resp = upload(client, people.teacher_a(), pdf_bytes(), name=nfd)
    assert resp.status_code == 201
    assert resp.get_json()["version"]["file_name"] == unicodedata.normalize("NFC", nfd) != nfd


def test_an_approval_of_an_unknown_version_is_ignored_not_retried(container) -> None:
    from services.approvals.events import APPROVED
    from services.kernel.testing import example_event
    event = example_event(APPROVED, version_id="khong-co")
    assert container.consumers["documents.approvals"].handle(event) is True


def test_a_signers_header_nested_thousands_deep_is_refused_naming_the_header(client, people) -> None:
    first = upload(client, people.teacher_a(), pdf_bytes()).get_json()
    deep = "[" * 3000 + "]" * 3000
    answer = client.post(f"/api/v1/internal/versions/{first['version']['id']}/signed", query_string={"tenant": "th-hoa-phong"},
                         data=pdf_bytes(1, text="signed"), headers=auth(people.service(), **{"X-Signers": deep}))
    assert answer.status_code == 422
    assert answer.get_json()["field"] == "X-Signers"
