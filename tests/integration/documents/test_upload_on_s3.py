"""The upload pipeline on the S3 adapter (moto): multipart streaming, structure checks through
ranged reads, refused files removed from the bucket, and downloads streamed back."""
from __future__ import annotations

import hashlib
import os

import boto3
import pytest
from documents_testkit import NOW, SCHOOL_A, People, auth, docx_bytes, upload  # type: ignore[import-not-found]
from moto import mock_aws

from services.documents.adapters.records import VersionRecord
from services.documents.adapters.s3_store import S3ObjectStore
from services.documents.bootstrap import bootstrap
from services.documents.entrypoints.app import create_app
from services.kernel.clock import FixedClock
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory

pytestmark = pytest.mark.integration
PART = 5 * 1024 * 1024


def big_pdf(size: int) -> bytes:
    head = b"%PDF-1.7\n"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out = bytearray(head)
    offsets = []
    for n, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    payload = os.urandom(size)
    offsets.append(len(out))
    out += b"4 0 obj\n<< /Length %d >>\nstream\n" % len(payload) + payload + b"\nendstream\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def test_uploads_stream_to_s3_and_refused_files_leave_no_object(tmp_path) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
        s3.create_bucket(Bucket="hoso")
        store = S3ObjectStore(client=s3, bucket="hoso", prefix="documents", part_size=PART)
        clock = FixedClock(NOW)
        tokens = TokenFactory(clock=clock)
        people = People(tokens)
        c = bootstrap({"mode": "test", "work_dir": str(tmp_path / "w"), "jwt_issuer": tokens.issuer}, environ={},
                      clock=clock, publisher=InMemoryPublisher(), verifier=tokens.verifier(), store=store)
        c.folders.onboard(SCHOOL_A, "2025-2026")
        client = create_app(container=c).test_client()
        data = big_pdf(3 * PART)
        resp = upload(client, people.teacher_a(), data, book="so_shcm", period="2025-10")
        assert resp.status_code == 201, resp.get_json()
        version = resp.get_json()["version"]
        assert version["sha256"] == hashlib.sha256(data).hexdigest()
        head = s3.head_object(Bucket="hoso", Key=f"documents/th-hoa-phong/{version['id']}")
        assert head["ServerSideEncryption"] == "AES256" and head["ContentLength"] == len(data)
        assert client.get(f"/api/v1/versions/{version['id']}/content", headers=auth(people.teacher_a())).data == data
        corrupt = b"%PDF-1.7\n" + os.urandom(PART + 10)
        refused = upload(client, people.teacher_a(), corrupt, book="so_shcm", period="2025-10")
        assert refused.status_code == 415
        assert office_ok(client, people)
        assert store.keys("th-hoa-phong/") == sorted(f"th-hoa-phong/{v.id}" for v in VersionRecord.objects)
        assert s3.list_multipart_uploads(Bucket="hoso").get("Uploads", []) == []


def office_ok(client, people: People) -> bool:
    return upload(client, people.teacher_a(), docx_bytes(), name="Kế hoạch.docx").get_json()["version"]["format"] == "docx"


class _S3GoesDown:
    """The moto client, but the storage endpoint stops answering at the second part."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self._client = client

    def upload_part(self, **kw):  # type: ignore[no-untyped-def]
        if kw["PartNumber"] >= 2:
            from botocore.exceptions import EndpointConnectionError
            raise EndpointConnectionError(endpoint_url="http://minio:9000")
        return self._client.upload_part(**kw)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._client, name)


def test_s3_going_down_mid_upload_leaves_no_object_no_part_and_no_metadata(tmp_path) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
        s3.create_bucket(Bucket="hoso")
        store = S3ObjectStore(client=_S3GoesDown(s3), bucket="hoso", prefix="documents", part_size=PART)
        clock = FixedClock(NOW)
        tokens = TokenFactory(clock=clock)
        people = People(tokens)
        c = bootstrap({"mode": "test", "work_dir": str(tmp_path / "w"), "jwt_issuer": tokens.issuer}, environ={},
                      clock=clock, publisher=InMemoryPublisher(), verifier=tokens.verifier(), store=store)
        c.folders.onboard(SCHOOL_A, "2025-2026")
        client = create_app(container=c).test_client()
        resp = upload(client, people.teacher_a(), big_pdf(3 * PART), book="so_shcm", period="2025-10")
        assert resp.status_code == 503 and resp.get_json()["type"].endswith("/storage-unavailable")
        assert "chưa được lưu" in resp.get_json()["detail"]
        assert s3.list_objects_v2(Bucket="hoso").get("KeyCount", 0) == 0
        assert s3.list_multipart_uploads(Bucket="hoso").get("Uploads", []) == []
        assert VersionRecord.objects.count() == 0


def test_the_sweep_aborts_multipart_uploads_left_open_and_spares_recent_ones() -> None:
    from datetime import timedelta

    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
        s3.create_bucket(Bucket="hoso")
        store = S3ObjectStore(client=s3, bucket="hoso", prefix="documents", part_size=PART)
        left = s3.create_multipart_upload(Bucket="hoso", Key="documents/th-hoa-phong/v-interrupted")
        s3.create_multipart_upload(Bucket="hoso", Key="other-service/x")  # outside the prefix: not ours
        started = s3.list_multipart_uploads(Bucket="hoso")["Uploads"][0]["Initiated"]
        assert store.abort_stale_uploads(older_than=3600, now=started + timedelta(minutes=5)) == 0
        assert store.abort_stale_uploads(older_than=3600, now=started + timedelta(hours=2)) == 1
        remaining = [u["Key"] for u in s3.list_multipart_uploads(Bucket="hoso").get("Uploads", [])]
        assert remaining == ["other-service/x"] and left["UploadId"]
