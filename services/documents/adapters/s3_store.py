"""Object store on S3-compatible storage (AWS S3, MinIO, Ceph RGW) through one injected boto3 client.

Uploads stream in parts of a fixed size, one part in memory at a time: a stream shorter
than one part becomes a single ``PutObject``, anything longer a multipart upload that is
aborted if the source or the store fails (or, when the store itself is down, by the
stale-upload sweep once it is back). Every write asks for server-side encryption
(``AES256`` or ``aws:kms`` with a key id). All keys live under a configured prefix, and
the service itself prefixes them with the tenant id.
"""
from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from typing import Any, BinaryIO, Iterator

from botocore.exceptions import BotoCoreError, ClientError

from services.documents.adapters.object_store import (
    CHUNK, ObjectNotFound, ObjectStoreError, StoredObject, check_key, read_full,
)

log = logging.getLogger(__name__)
MIN_PART = 5 * 1024 * 1024
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3ObjectStore:
    """``ObjectStore`` on an S3 bucket."""

    def __init__(self, *, client: Any, bucket: str, prefix: str = "", part_size: int = 8 * 1024 * 1024,
                 sse: str = "AES256", kms_key_id: str | None = None) -> None:
        if part_size < MIN_PART:
            raise ValueError("S3 multipart parts must be at least 5 MiB")
        self._s3 = client
        self._bucket = bucket
        self._prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._part = part_size
        self._sse: dict[str, str] = {"ServerSideEncryption": sse}
        if kms_key_id:
            self._sse["SSEKMSKeyId"] = kms_key_id

    def _name(self, key: str) -> str:
        return self._prefix + check_key(key)

    def put_stream(self, key: str, source: BinaryIO, *, content_type: str = "application/octet-stream") -> StoredObject:
        name = self._name(key)
        first = read_full(source, self._part)
        try:
            if len(first) < self._part:
                self._s3.put_object(Bucket=self._bucket, Key=name, Body=first, ContentType=content_type, **self._sse)
                return StoredObject(key=key, size=len(first))
            upload = self._s3.create_multipart_upload(Bucket=self._bucket, Key=name, ContentType=content_type,
                                                      **self._sse)
        except (ClientError, BotoCoreError) as exc:
            raise ObjectStoreError(f"S3 put failed: {exc}") from exc
        upload_id = upload["UploadId"]
        parts = []
        size = 0
        try:
            chunk = first
            number = 1
            while chunk:
                result = self._s3.upload_part(Bucket=self._bucket, Key=name, UploadId=upload_id,
                                              PartNumber=number, Body=chunk)
                parts.append({"ETag": result["ETag"], "PartNumber": number})
                size += len(chunk)
                number += 1
                chunk = b""  # release the part before reading the next one
                chunk = read_full(source, self._part)
            self._s3.complete_multipart_upload(Bucket=self._bucket, Key=name, UploadId=upload_id,
                                               MultipartUpload={"Parts": parts})
        except BaseException as exc:
            self._abort(name, upload_id)
            if isinstance(exc, (ClientError, BotoCoreError)):
                raise ObjectStoreError(f"S3 multipart upload failed: {exc}") from exc
            raise
        return StoredObject(key=key, size=size)

    def _abort(self, name: str, upload_id: str) -> None:
        try:
            self._s3.abort_multipart_upload(Bucket=self._bucket, Key=name, UploadId=upload_id)
        except (ClientError, BotoCoreError):  # the store is down: ``abort_stale_uploads`` aborts it later
            log.warning("could not abort the multipart upload of %s; the stale-upload sweep will", name, exc_info=True)

    def abort_stale_uploads(self, *, older_than: float, now: datetime) -> int:
        """Abort the multipart uploads under the prefix begun more than ``older_than`` seconds before ``now``.

        A multipart upload lives only within one ``put_stream``; one still open long after was
        interrupted (the store failed, so aborting it failed too, or the process died). Its parts
        are stored, invisible and billed until aborted. Returns how many were aborted.
        """
        cutoff = now - timedelta(seconds=older_than)
        aborted = 0
        paginator = self._s3.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=self._prefix):
            for upload in page.get("Uploads", []):
                if upload["Initiated"] <= cutoff:
                    self._s3.abort_multipart_upload(Bucket=self._bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                    aborted += 1
        if aborted:
            log.info("aborted %d stale multipart uploads", aborted)
        return aborted

    def open(self, key: str) -> BinaryIO:
        size = self.size(key)
        return io.BufferedReader(_RangeReader(self._s3, self._bucket, self._name(key), size),
                                 buffer_size=CHUNK)

    def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=self._name(key))["Body"]
        except ClientError as exc:
            raise _translate(exc, key) from exc
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def size(self, key: str) -> int:
        try:
            return int(self._s3.head_object(Bucket=self._bucket, Key=self._name(key))["ContentLength"])
        except ClientError as exc:
            raise _translate(exc, key) from exc

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        try:
            self._s3.delete_object(Bucket=self._bucket, Key=self._name(key))
        except (ClientError, BotoCoreError) as exc:
            raise ObjectStoreError(f"S3 delete failed: {exc}") from exc

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=self._prefix + prefix):
            found.extend(item["Key"][len(self._prefix):] for item in page.get("Contents", []))
        return sorted(found)

    def ping(self) -> None:
        try:
            self._s3.head_bucket(Bucket=self._bucket)
        except (ClientError, BotoCoreError) as exc:
            raise ObjectStoreError(f"S3 bucket not reachable: {exc}") from exc


def _translate(exc: ClientError, key: str) -> Exception:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in _MISSING:
        return ObjectNotFound(key)
    return ObjectStoreError(f"S3 request failed: {exc}")


class _RangeReader(io.RawIOBase):
    """A seekable raw reader over one S3 object using ranged GETs."""

    def __init__(self, client: Any, bucket: str, name: str, size: int) -> None:
        super().__init__()
        self._s3, self._bucket, self._name, self._size = client, bucket, name, size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size:
            return 0
        end = min(self._size, self._pos + len(buffer)) - 1
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=self._name, Range=f"bytes={self._pos}-{end}")["Body"]
            data = body.read()
        except (ClientError, BotoCoreError) as exc:
            raise ObjectStoreError(f"S3 ranged read failed: {exc}") from exc
        view = memoryview(buffer)
        view[:len(data)] = data
        self._pos += len(data)
        return len(data)
