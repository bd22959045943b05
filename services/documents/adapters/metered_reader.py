"""A request-body reader that hashes, counts and limits bytes as they stream through."""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import BinaryIO

from services.documents.adapters.file_types import HEAD_BYTES
from services.documents.adapters.object_store import ObjectStore, StoredObject


class TooLarge(Exception):
    """The stream went past the size limit."""


class MeteredReader:
    """Wraps ``source``: SHA-256 and size of everything read, the first bytes kept for sniffing.

    ``on_head`` is called once with the first ``HEAD_BYTES`` (or the whole stream if
    shorter) so a wrong type is refused before the rest is read.
    """

    def __init__(self, source: BinaryIO, *, limit: int, on_head: Callable[[bytes], None] | None = None) -> None:
        self._source = source
        self._limit = limit
        self._on_head = on_head
        self._hash = hashlib.sha256()
        self.size = 0
        self.head = b""
        self._head_checked = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size if size and size > 0 else 1024 * 1024)
        if chunk:
            self._hash.update(chunk)
            self.size += len(chunk)
            if self.size > self._limit:
                raise TooLarge(self.size)
            if len(self.head) < HEAD_BYTES:
                self.head += chunk[:HEAD_BYTES - len(self.head)]
        if not self._head_checked and (len(self.head) >= HEAD_BYTES or not chunk):
            self._head_checked = True
            if self._on_head is not None:
                self._on_head(self.head)
        return chunk

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def put_hashed(store: ObjectStore, key: str, path: str | os.PathLike[str], *,
               content_type: str = "application/octet-stream") -> tuple[StoredObject, str]:
    """Store a local file under ``key`` in one pass, returning what was stored and its SHA-256."""
    with open(path, "rb") as handle:
        reader = MeteredReader(handle, limit=1 << 62)
        stored = store.put_stream(key, reader, content_type=content_type)  # type: ignore[arg-type]
    return stored, reader.sha256
