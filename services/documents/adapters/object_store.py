"""The object storage port: opaque keys → bytes, written from a stream with bounded memory.

Two adapters implement it (``s3_store.S3ObjectStore`` and ``local_store.LocalDiskObjectStore``)
and pass one contract test. Keys are ids chosen by the service (``<tenant>/<version id>``),
never user file names. A put either stores every byte of the stream under the key or
leaves nothing there: if the source stream raises part-way (size limit, client gone) or
the store fails, the partial object is removed and the error propagates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Protocol

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*(?:/[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)*$")
MAX_KEY_LENGTH = 512
CHUNK = 1024 * 1024


class ObjectStoreError(RuntimeError):
    """The store failed or is unreachable; nothing was written."""


class ObjectNotFound(KeyError):
    """No object under that key."""


class InvalidKey(ValueError):
    """A key that is not a safe opaque id (path traversal, empty segment, odd characters)."""


def check_key(key: str) -> str:
    """Return ``key`` if it is safe to use as a storage key, else raise ``InvalidKey``."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not KEY_PATTERN.match(key) or ".." in key:
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int


class ObjectStore(Protocol):
    """Where file bytes live."""

    def put_stream(self, key: str, source: BinaryIO, *, content_type: str = "application/octet-stream") -> StoredObject:
        """Store everything ``source.read`` yields under ``key``; all or nothing."""

    def open(self, key: str) -> BinaryIO:
        """A seekable, buffered reader over the object (for validation of PDF/ZIP structure)."""

    def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """The object's bytes in order, ``chunk_size`` at a time."""

    def size(self, key: str) -> int:
        """Size in bytes; ``ObjectNotFound`` when absent."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    def delete(self, key: str) -> None:
        """Remove the object; no error when it is already gone."""

    def keys(self, prefix: str) -> list[str]:
        """Keys under ``prefix`` (used by tests and the consistency check)."""

    def ping(self) -> None:
        """Raise ``ObjectStoreError`` when the store is not reachable (readiness)."""


def read_full(source: BinaryIO, size: int) -> bytes:
    """Read up to ``size`` bytes, looping over short reads; fewer only at end of stream."""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = source.read(remaining)
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)
