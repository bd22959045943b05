"""One storage contract, run against both adapters: S3 (boto3 on moto) and local disk."""
from __future__ import annotations

import hashlib
import io
import os
from typing import Iterator

import boto3
import pytest
from moto import mock_aws

from services.documents.adapters.local_store import LocalDiskObjectStore
from services.documents.adapters.object_store import InvalidKey, ObjectNotFound, ObjectStore
from services.documents.adapters.s3_store import S3ObjectStore

PART = 5 * 1024 * 1024
BUCKET = "hoso-documents"


@pytest.fixture(params=["s3", "local"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield LocalDiskObjectStore(root=tmp_path / "objects")
        return
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        client.create_bucket(Bucket=BUCKET)
        s3 = S3ObjectStore(client=client, bucket=BUCKET, prefix="hoso", part_size=PART)
        s3.client = client  # for adapter-specific assertions below
        yield s3


class FailingSource(io.RawIOBase):
    """A request body that breaks after ``fail_after`` bytes, like a client that goes away."""

    def __init__(self, data: bytes, fail_after: int) -> None:
        self._data, self._fail_after, self._pos = data, fail_after, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._pos >= self._fail_after:
            raise ConnectionResetError("client went away")
        size = len(self._data) if size < 0 else size
        end = min(self._pos + size, self._fail_after, len(self._data))
        chunk, self._pos = self._data[self._pos:end], end
        return chunk


def test_small_object_round_trip(store: ObjectStore) -> None:
    data = "Kế hoạch bài dạy tuần 5".encode() * 100
    stored = store.put_stream("th-hoa-phong/v1", io.BytesIO(data), content_type="application/pdf")
    assert stored.size == len(data) and store.size("th-hoa-phong/v1") == len(data)
    assert b"".join(store.iter_chunks("th-hoa-phong/v1", 1000)) == data
    assert store.exists("th-hoa-phong/v1")


def test_large_object_goes_in_parts_and_reads_back_identically(store: ObjectStore) -> None:
    data = os.urandom(2 * PART + 12345)
    store.put_stream("th-hoa-phong/big", io.BytesIO(data))
    assert hashlib.sha256(b"".join(store.iter_chunks("th-hoa-phong/big"))).digest() == hashlib.sha256(data).digest()
    with store.open("th-hoa-phong/big") as handle:
        handle.seek(-100, os.SEEK_END)
        assert handle.read() == data[-100:]
        handle.seek(PART - 10)
        assert handle.read(20) == data[PART - 10:PART + 10]


@pytest.mark.parametrize("size, fail_after", [(1000, 500), (3 * PART, 2 * PART + 7)])
def test_a_source_failing_mid_stream_leaves_nothing(store: ObjectStore, size: int, fail_after: int) -> None:
    with pytest.raises(ConnectionResetError):
        store.put_stream("th-hoa-phong/broken", FailingSource(os.urandom(size), fail_after))
    assert not store.exists("th-hoa-phong/broken")
    assert store.keys("th-hoa-phong/") == []
    if isinstance(store, S3ObjectStore):
        assert store.client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", "a/./b", "tên tệp.pdf", "", "a/", "a\\b",
                                 "a\x00b"])
def test_unsafe_keys_are_refused(store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        store.put_stream(key, io.BytesIO(b"x"))
    with pytest.raises(InvalidKey):
        store.exists(key)
    assert store.keys("") == []


def test_missing_objects_and_idempotent_delete(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        store.size("th-hoa-phong/none")
    with pytest.raises(ObjectNotFound):
        list(store.iter_chunks("th-hoa-phong/none"))
    store.put_stream("th-hoa-phong/gone", io.BytesIO(b"abc"))
    store.delete("th-hoa-phong/gone")
    store.delete("th-hoa-phong/gone")
    assert not store.exists("th-hoa-phong/gone")


def test_keys_are_listed_per_tenant_prefix(store: ObjectStore) -> None:
    store.put_stream("th-hoa-phong/a", io.BytesIO(b"1"))
    store.put_stream("mn-hoa-chau/b", io.BytesIO(b"2"))
    assert store.keys("th-hoa-phong/") == ["th-hoa-phong/a"]
    store.ping()


def test_s3_objects_are_encrypted_at_rest_and_kept_under_the_prefix(tmp_path) -> None:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
        client.create_bucket(Bucket=BUCKET)
        store = S3ObjectStore(client=client, bucket=BUCKET, prefix="hoso", part_size=PART)
        store.put_stream("th-hoa-phong/small", io.BytesIO(b"x" * 10))
        store.put_stream("th-hoa-phong/large", io.BytesIO(b"y" * (PART + 1)))
        for key in ("small", "large"):
            head = client.head_object(Bucket=BUCKET, Key=f"hoso/th-hoa-phong/{key}")
            assert head["ServerSideEncryption"] == "AES256"


def test_local_store_writes_atomically_under_its_root(tmp_path) -> None:
    store = LocalDiskObjectStore(root=tmp_path / "objects")
    with pytest.raises(ConnectionResetError):
        store.put_stream("t/x", FailingSource(b"z" * 5000, 4000))
    assert not any((tmp_path / "objects" / ".tmp").iterdir())
    assert not (tmp_path / "escape").exists()


class _CountingS3:
    """An S3 endpoint that keeps only the size of what it receives (to measure the adapter alone)."""

    def __init__(self) -> None:
        self.received = 0
        self.largest_body = 0

    def create_multipart_upload(self, **kw: object) -> dict:
        return {"UploadId": "u1"}

    def upload_part(self, *, Body: bytes, PartNumber: int, **kw: object) -> dict:  # noqa: N803 - boto3 names
        self.received += len(Body)
        self.largest_body = max(self.largest_body, len(Body))
        return {"ETag": f'"{PartNumber}"'}

    def complete_multipart_upload(self, **kw: object) -> dict:
        return {}


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = min(self.left, size if size > 0 else 1 << 20)
        self.left -= n
        return b"\0" * n


def test_s3_multipart_holds_about_one_part_in_memory() -> None:
    import tracemalloc
    endpoint = _CountingS3()
    store = S3ObjectStore(client=endpoint, bucket=BUCKET, part_size=PART)
    tracemalloc.start()
    try:
        stored = store.put_stream("t/big", _Zeros(200 * 1024 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == endpoint.received == 200 * 1024 * 1024
    assert endpoint.largest_body == PART
    assert peak < 3 * PART, f"peak {peak / 1e6:.1f} MB for 200 MB streamed"
