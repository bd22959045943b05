"""Resumable uploads (tus 1.0.0) on documents: a tus client other than ours completes an upload in
chunks; a stale offset gets 409; another person's or school's session is not found; a file refused
anyway is refused at creation, before any byte; completion runs the one upload path (type, structure,
SHA-256, audit, event); cancelled and expired sessions leave no chunk behind; the same on S3 (moto)."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import threading
from collections.abc import Iterator
from datetime import timedelta

import boto3
import pytest
from moto import mock_aws
from pypdf import PdfWriter
from tusclient import client as tus
from werkzeug.serving import make_server

from services.documents.adapters.records import DocumentRecord, VersionRecord
from services.documents.adapters.s3_store import S3ObjectStore
from services.documents.adapters.upload_sessions import UploadSessionDoc
from services.documents.bootstrap import bootstrap
from services.documents.entrypoints.app import create_app
from services.kernel.messaging import InMemoryPublisher

from documents_testkit import SCHOOL_A, SCHOOL_B, auth  # type: ignore[import-not-found]

TUS = {"Tus-Resumable": "1.0.0"}
LESSON_PLAN = {"book": "ke_hoach_bai_day", "period": "2025-2026.t05"}


def scan_pdf(size: int) -> bytes:
    """A valid one-page PDF of about ``size`` bytes (an embedded scan of random bytes)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("scan.bin", os.urandom(size))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(client, token: str, length: int, **meta: str):
    values = {"filename": "Kế hoạch bài dạy tuần 5.pdf", **LESSON_PLAN, **meta}
    return client.post("/api/v1/uploads", headers=auth(token, **TUS, **{
        "Upload-Length": str(length), "Upload-Metadata": metadata(**values)}))


def session_path(resp) -> str:
    assert resp.status_code == 201, resp.get_json()
    location = resp.headers["Location"]
    assert location.startswith("uploads/"), "relative to the creation URL, so the same behind the gateway"
    return "/api/v1/" + location


def patch(client, token: str, path: str, offset: int, data: bytes):
    return client.patch(path, data=data, headers=auth(token, **TUS, **{
        "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}))


def chunk_keys(container) -> list[str]:
    return container.store.keys("uploads/")


@pytest.fixture
def served(container) -> Iterator[str]:
    """The documents app on a real local port, for a tus client that speaks HTTP itself."""
    server = make_server("127.0.0.1", 0, create_app(container=container), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def test_the_tuspy_client_uploads_a_scan_in_chunks_and_the_version_has_its_sha256(served, container, people) -> None:
    data = scan_pdf(600_000)
    uploader = tus.TusClient(f"{served}/api/v1/uploads", headers={"Authorization": f"Bearer {people.teacher_a()}"}) \
        .uploader(file_stream=io.BytesIO(data), chunk_size=256 * 1024,
                  metadata={"filename": "Bản scan kế hoạch.pdf", **LESSON_PLAN})
    uploader.upload()
    assert uploader.offset == len(data)
    version = VersionRecord.objects.get()
    assert version.sha256 == hashlib.sha256(data).hexdigest() and version.size == len(data)
    assert version.file_name == "Bản scan kế hoạch.pdf" and version.uploaded_by == "thhp.giaovien"
    assert [e["type"] for e in version.outbox] == ["documents.version.uploaded"]
    actions = [e["action"] for e in container.runtime.audit.entries(tenant="th-hoa-phong")]
    assert "documents.version.uploaded" in actions and "documents.upload.started" in actions
    assert chunk_keys(container) == [], "the chunks are deleted once the file is composed"
    stored = b"".join(container.store.iter_chunks(version.storage_key))
    assert stored == data


def test_a_stale_offset_gets_409_and_the_upload_resumes_from_the_servers_offset(client, container, people) -> None:
    token = people.teacher_a()
    data = scan_pdf(300_000)
    path = session_path(create(client, token, len(data)))
    half = len(data) // 2
    assert patch(client, token, path, 0, data[:half]).status_code == 204
    stale = patch(client, token, path, 0, data[:half])
    assert stale.status_code == 409 and stale.get_json()["code"] == "offset-mismatch"
    assert stale.get_json()["offset"] == half and "không khớp" in stale.get_json()["detail"]
    head = client.head(path, headers=auth(token, **TUS))
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(half)
    assert head.headers["Upload-Length"] == str(len(data)) and head.headers["Tus-Resumable"] == "1.0.0"
    assert head.headers["Cache-Control"] == "no-store" and head.headers["Upload-Expires"].endswith("GMT")
    last = patch(client, token, path, half, data[half:])
    assert last.status_code == 204 and last.headers["Upload-Offset"] == str(len(data))
    assert last.headers["X-Content-Sha256"] == hashlib.sha256(data).hexdigest()
    status = client.get(path, headers=auth(token)).get_json()
    assert status["state"] == "done" and status["version"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert status["document"]["book"] == "ke_hoach_bai_day" and status["version"]["id"] == last.headers["X-Version-Id"]
    assert patch(client, token, path, len(data), b"x").status_code == 409, "a finished upload takes no more bytes"


def test_another_persons_or_schools_upload_is_not_found(client, container, people) -> None:
    token = people.teacher_a()
    path = session_path(create(client, token, 1000))
    for other in (people.teacher2_a(), people.teacher_b()):
        assert client.head(path, headers=auth(other, **TUS)).status_code == 404
        assert client.get(path, headers=auth(other)).status_code == 404
        assert patch(client, other, path, 0, b"%PDF-1.7").status_code == 404
        assert client.delete(path, headers=auth(other, **TUS)).status_code == 404
    assert chunk_keys(container) == []
    assert client.head(path, headers=auth(token, **TUS)).headers["Upload-Offset"] == "0"


def test_another_school_in_the_metadata_is_refused_and_opens_nothing(client, container, people) -> None:
    resp = create(client, people.teacher_a(), 1000, school=SCHOOL_B["school_id"])
    assert resp.status_code == 403 and "trường mình" in resp.get_json()["title"] + resp.get_json().get("detail", "")
    assert UploadSessionDoc.objects.count() == 0


def test_a_declared_size_over_the_books_limit_is_refused_before_any_byte(client, container, people) -> None:
    resp = create(client, people.teacher_a(), 31 * 1024 * 1024)
    body = resp.get_json()
    assert resp.status_code == 413, body
    assert body["detail"] == "“Kế hoạch bài dạy” nhận tệp tối đa 30 MB."
    assert UploadSessionDoc.objects.count() == 0 and chunk_keys(container) == []


def test_completion_runs_the_normal_upload_checks(client, container, people) -> None:
    token = people.teacher_a()
    fake = b"%PDF-1.7\n" + b"not really a pdf " * 2000
    path = session_path(create(client, token, len(fake)))
    assert patch(client, token, path, 0, fake[:100]).status_code == 204
    refused = patch(client, token, path, 100, fake[100:])
    assert refused.status_code in (415, 422) and refused.get_json()["code"] in ("invalid-file", "broken-pdf")
    assert VersionRecord.objects.count() == 0 and DocumentRecord.objects.count() == 0
    assert chunk_keys(container) == [] and container.store.keys("th-hoa-phong/") == []
    assert client.head(path, headers=auth(token, **TUS)).status_code == 404, "a refused upload ends its session"


def test_a_wrong_kind_of_file_is_refused_at_its_first_chunk(client, container, people) -> None:
    token = people.teacher_a()
    exe = b"MZ\x90\x00" + b"\x00" * 20_000
    path = session_path(create(client, token, len(exe) * 2))
    refused = patch(client, token, path, 0, exe)
    assert refused.status_code == 415 and refused.get_json()["code"] == "wrong-file-type"
    assert chunk_keys(container) == [] and UploadSessionDoc.objects.count() == 0


def test_cancel_deletes_the_session_and_its_chunks(client, container, people) -> None:
    token = people.teacher_a()
    data = scan_pdf(100_000)
    path = session_path(create(client, token, len(data)))
    assert patch(client, token, path, 0, data[:50_000]).status_code == 204
    assert len(chunk_keys(container)) == 1
    assert client.delete(path, headers=auth(token, **TUS)).status_code == 204
    assert chunk_keys(container) == [] and client.head(path, headers=auth(token, **TUS)).status_code == 404
    assert container.runtime.audit.entries(tenant="th-hoa-phong")[0]["action"] == "documents.upload.cancelled"


def test_sessions_expire_after_24_hours_with_their_chunks(client, container, people, clock) -> None:
    token = people.teacher_a()
    data = scan_pdf(100_000)
    touched = session_path(create(client, token, len(data)))
    swept = session_path(create(client, people.teacher_b(), len(data), book="ke_hoach_bai_day"))
    assert patch(client, token, touched, 0, data[:1000]).status_code == 204
    assert patch(client, people.teacher_b(), swept, 0, data[:1000]).status_code == 204
    clock.advance(hours=23)
    assert client.head(touched, headers=auth(people.teacher_a(), **TUS)).status_code == 200
    clock.advance(hours=1, seconds=1)
    gone = client.head(touched, headers=auth(people.teacher_a(), **TUS))
    assert gone.status_code == 404, "deleted when touched after expiry"
    assert [k for k in chunk_keys(container) if "th-hoa-phong" in k] == []
    assert container.resumable.sweep() == 1, "the hourly sweep deletes the other school's expired session"
    assert chunk_keys(container) == [] and UploadSessionDoc.objects.count() == 0


def test_the_protocol_is_tus_1_0_0(client, people) -> None:
    token = people.teacher_a()
    options = client.options("/api/v1/uploads", headers=auth(token))
    assert options.status_code == 204 and options.headers["Tus-Version"] == "1.0.0"
    assert set(options.headers["Tus-Extension"].split(",")) == {"creation", "termination", "expiration"}
    no_version = client.post("/api/v1/uploads", headers=auth(token, **{"Upload-Length": "10"}))
    assert no_version.status_code == 412 and no_version.headers["Tus-Version"] == "1.0.0"
    path = session_path(create(client, token, 100))
    wrong_type = client.patch(path, data=b"%PDF", headers=auth(token, **TUS, **{
        "Upload-Offset": "0", "Content-Type": "application/pdf"}))
    assert wrong_type.status_code == 415 and wrong_type.headers["Tus-Resumable"] == "1.0.0"
    too_long = patch(client, token, path, 0, b"x" * 101)
    assert too_long.status_code == 413
    bad_meta = client.post("/api/v1/uploads", headers=auth(token, **TUS, **{
        "Upload-Length": "10", "Upload-Metadata": "filename không-base64"}))
    assert bad_meta.status_code == 422 and bad_meta.get_json()["field"] == "Upload-Metadata"


def test_the_same_upload_composes_on_s3_in_parts(tmp_path, clock, tokens, people) -> None:
    """On S3 (moto) the chunks are objects of the bucket and the composed file a multipart upload."""
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
        s3.create_bucket(Bucket="hoso")
        store = S3ObjectStore(client=s3, bucket="hoso", prefix="documents", part_size=5 * 1024 * 1024)
        c = bootstrap({"mode": "test", "work_dir": str(tmp_path / "w"), "jwt_issuer": tokens.issuer}, environ={},
                      clock=clock, publisher=InMemoryPublisher(), verifier=tokens.verifier(), store=store)
        c.folders.onboard(SCHOOL_A, "2025-2026")
        client = create_app(container=c).test_client()
        token = people.teacher_a()
        data = scan_pdf(7 * 1024 * 1024)
        path = session_path(create(client, token, len(data)))
        for offset in range(0, len(data), 2 * 1024 * 1024):
            assert patch(client, token, path, offset, data[offset:offset + 2 * 1024 * 1024]).status_code == 204
            if offset == 0:
                assert [k for k in store.keys("uploads/") if path.rsplit("/", 1)[1] in k], "a chunk is an S3 object"
        version = client.get(path, headers=auth(token)).get_json()["version"]
        assert version["sha256"] == hashlib.sha256(data).hexdigest()
        head = s3.head_object(Bucket="hoso", Key=f"documents/th-hoa-phong/{version['id']}")
        assert head["ContentLength"] == len(data) and head["ServerSideEncryption"] == "AES256"
        assert store.keys("uploads/") == [] and s3.list_multipart_uploads(Bucket="hoso").get("Uploads", []) == []
