"""Resumable upload sessions (tus) in the documents database, and the stored chunks read back as one stream.

A session is tenant-owned like every record here and read through a tenant repository: another
school's session is simply not found. Its chunks are objects of the service's object store under
``uploads/<school>/<session>/<offset>-<nonce>`` (any replica can continue a session, on S3 or the
local store alike); the session lists them in order. The expiry sweep is the one query made
across schools: it reads ids, chunk keys and nothing a person wrote.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

from mongoengine import DateTimeField, DictField, IntField, ListField, StringField

from services.kernel.tenancy import TenantOwned, TenantRepository

from .object_store import ObjectStore
from .records import ALIAS


class UploadSessionDoc(TenantOwned):
    """One resumable upload: who sends what into which book slot, how much has arrived, until when."""

    meta: ClassVar[dict[str, Any]] = {"collection": "upload_sessions", "db_alias": ALIAS, "indexes": [
        ["tenant_id", "created_by"],
        "expires_at",
    ]}
    id = StringField(primary_key=True)
    created_by = StringField(required=True)
    file_name = StringField(required=True)
    book = StringField()
    period = StringField()
    owner_key = StringField()
    document_id = StringField()
    title = StringField()
    length = IntField(required=True)
    #: bytes received so far: the sum of the chunks' sizes
    offset = IntField(required=True, default=0)
    #: stored chunks in order: {key, size}
    chunks = ListField(DictField())
    created_at = DateTimeField(required=True)
    expires_at = DateTimeField(required=True)
    state = StringField(required=True, default="receiving")  # receiving | done
    version_id = StringField()
    result_document_id = StringField()


class UploadSessionRepository(TenantRepository[UploadSessionDoc]):
    document = UploadSessionDoc


def expired_sessions(now: datetime) -> list[UploadSessionDoc]:
    """Sessions of every school whose time is over (the hourly sweep deletes them and their chunks)."""
    return list(UploadSessionDoc.objects(expires_at__lte=now).only("id", "tenant_id", "chunks"))


class ChunkStream:
    """The chunks of a session read back in order as one binary stream (``read(size)``), a chunk at a time."""

    def __init__(self, store: ObjectStore, keys: list[str]) -> None:
        self._pieces = self._iterate(store, keys)
        self._buffer = b""

    @staticmethod
    def _iterate(store: ObjectStore, keys: list[str]) -> Iterator[bytes]:
        for key in keys:
            yield from store.iter_chunks(key)

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buffer += piece
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out
