"""Where prepared PDFs wait for a token or a phone: storage every signing replica shares.

A batch signed through a USB token or a remote provider is prepared by one replica and may
be completed by another (the agent's post or the provider's callback lands anywhere), so a
prepared PDF is kept under ``<batch id>/<item key>.pdf`` in the signing object store: an S3
bucket in production (MinIO, Ceph RGW, AWS), a local folder in the all-in-one mode (one
process, or several sharing that folder). Batches signed with a key the service holds never
park, and never touch this store.
"""
from __future__ import annotations

import os
import re
import shutil
from typing import Any, Protocol

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

_KEY = re.compile(r"^[A-Za-z0-9_-]+/[A-Za-z0-9_.-]+$")
_MISSING = {"NoSuchKey", "404", "NotFound"}


class SpoolError(RuntimeError):
    """The spool could not keep or return a prepared PDF."""


class SpoolMissing(SpoolError):
    """No prepared PDF under that key (expired, or removed when its batch ended)."""


def spool_key(batch_id: str, item_key: str) -> str:
    """The key of one prepared PDF of a batch; both parts must be plain identifiers."""
    key = f"{batch_id}/{item_key}.pdf"
    if not _KEY.match(key):
        raise ValueError(f"invalid spool key {key!r}")
    return key


class SpoolStore(Protocol):
    """Keeps prepared PDFs between preparing a batch and completing it, on any replica."""

    def put(self, key: str, path: str) -> None:
        """Keep the file at ``path`` under ``key``."""

    def fetch(self, key: str, path: str) -> None:
        """Write the file kept under ``key`` to ``path``; :class:`SpoolMissing` if there is none."""

    def delete_batch(self, batch_id: str) -> None:
        """Remove every file of ``batch_id`` (its end, success or failure)."""

    def keys(self, batch_id: str) -> list[str]:
        """Keys kept for ``batch_id``, sorted."""


class LocalSpoolStore:
    """A folder: the all-in-one mode's stand-in (shared only by processes sharing the folder)."""

    def __init__(self, *, root: str) -> None:
        self._root = root

    def _path(self, key: str) -> str:
        if not _KEY.match(key):
            raise ValueError(f"invalid spool key {key!r}")
        return os.path.join(self._root, *key.split("/"))

    def put(self, key: str, path: str) -> None:
        target = self._path(key)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(path, target + ".part")
        os.replace(target + ".part", target)  # never a half-written file under the key

    def fetch(self, key: str, path: str) -> None:
        try:
            shutil.copyfile(self._path(key), path)
        except FileNotFoundError:
            raise SpoolMissing(key) from None

    def delete_batch(self, batch_id: str) -> None:
        shutil.rmtree(os.path.join(self._root, batch_id), ignore_errors=True)

    def keys(self, batch_id: str) -> list[str]:
        folder = os.path.join(self._root, batch_id)
        if not os.path.isdir(folder):
            return []
        return sorted(f"{batch_id}/{name}" for name in os.listdir(folder) if name.endswith(".pdf"))


class S3SpoolStore:
    """An S3 bucket through one injected boto3 client; files go up and down from paths, one thread each."""

    def __init__(self, *, client: Any, bucket: str, prefix: str = "spool/") -> None:
        self._s3 = client
        self._bucket = bucket
        self._prefix = prefix
        # from a path, in one thread: no multipart buffers of 8 MB per file (KNOWN: boto3 defaults)
        self._transfer = TransferConfig(use_threads=False, multipart_threshold=64 * 1024 * 1024)

    def put(self, key: str, path: str) -> None:
        try:
            self._s3.upload_file(path, self._bucket, self._prefix + key, Config=self._transfer,
                                 ExtraArgs={"ServerSideEncryption": "AES256", "ContentType": "application/pdf"})
        except (ClientError, BotoCoreError) as exc:
            raise SpoolError(f"S3 put failed: {exc}") from exc

    def fetch(self, key: str, path: str) -> None:
        try:
            self._s3.download_file(self._bucket, self._prefix + key, path, Config=self._transfer)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code", "")) in _MISSING:
                raise SpoolMissing(key) from None
            raise SpoolError(f"S3 get failed: {exc}") from exc
        except BotoCoreError as exc:
            raise SpoolError(f"S3 get failed: {exc}") from exc

    def keys(self, batch_id: str) -> list[str]:
        found: list[str] = []
        try:
            for page in self._s3.get_paginator("list_objects_v2").paginate(
                    Bucket=self._bucket, Prefix=f"{self._prefix}{batch_id}/"):
                found.extend(item["Key"][len(self._prefix):] for item in page.get("Contents", []))
        except (ClientError, BotoCoreError) as exc:
            raise SpoolError(f"S3 list failed: {exc}") from exc
        return sorted(found)

    def delete_batch(self, batch_id: str) -> None:
        keys = self.keys(batch_id)
        try:
            for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
                self._s3.delete_objects(Bucket=self._bucket, Delete={
                    "Objects": [{"Key": self._prefix + k} for k in keys[start:start + 1000]], "Quiet": True})
        except (ClientError, BotoCoreError) as exc:
            raise SpoolError(f"S3 delete failed: {exc}") from exc
