"""Object store on local disk for the all-in-one mode.

Writes go to a temporary file in ``<root>/.tmp`` and are renamed into place once
complete and flushed, so a reader never sees half a file and a failed write leaves
nothing. Keys are checked against a strict pattern and the resolved path must stay
under the root: no path traversal.
"""
from __future__ import annotations

import contextlib

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

from services.documents.adapters.object_store import (
    CHUNK, InvalidKey, ObjectNotFound, ObjectStoreError, StoredObject, check_key,
)


class LocalDiskObjectStore:
    """``ObjectStore`` on a directory."""

    def __init__(self, *, root: str | os.PathLike[str], chunk_size: int = CHUNK) -> None:
        self._root = Path(root).resolve()
        self._tmp = self._root / ".tmp"
        self._chunk = chunk_size
        self._root.mkdir(parents=True, exist_ok=True)
        self._tmp.mkdir(exist_ok=True)

    def _path(self, key: str) -> Path:
        check_key(key)
        path = (self._root / key).resolve()
        if self._root not in path.parents:
            raise InvalidKey(f"invalid storage key: {key!r}")
        return path

    def put_stream(self, key: str, source: BinaryIO, *, content_type: str = "application/octet-stream") -> StoredObject:
        path = self._path(key)
        size = 0
        try:
            fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        except OSError as exc:
            raise ObjectStoreError(f"local store not writable: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = source.read(self._chunk)  # a failing source raises its own error
                    if not chunk:
                        break
                    _write(out.write, chunk)
                    size += len(chunk)
                _write(out.flush)
                _write(os.fsync, out.fileno())
            _write(path.parent.mkdir, parents=True, exist_ok=True)
            _write(os.replace, tmp_name, path)
        except BaseException:
            _unlink(tmp_name)
            raise
        return StoredObject(key=key, size=size)

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def iter_chunks(self, key: str, chunk_size: int = CHUNK) -> Iterator[bytes]:
        with self.open(key) as handle:
            while True:
                chunk = handle.read(chunk_size)
                if not chunk:
                    return
                yield chunk

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        _unlink(self._path(key))

    def keys(self, prefix: str) -> list[str]:
        found = []
        for path in self._root.rglob("*"):
            if path.is_file() and self._tmp not in path.parents:
                key = path.relative_to(self._root).as_posix()
                if key.startswith(prefix):
                    found.append(key)
        return sorted(found)

    def ping(self) -> None:
        if not os.access(self._root, os.W_OK):
            raise ObjectStoreError(f"local store root not writable: {self._root}")
        if shutil.disk_usage(self._root).free < 16 * CHUNK:
            raise ObjectStoreError("local store disk almost full")


def _write(operation, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """Run a disk operation, reporting a disk failure as the store failing."""
    try:
        operation(*args, **kwargs)
    except OSError as exc:
        raise ObjectStoreError(f"local store write failed: {exc}") from exc


def _unlink(name: str | os.PathLike[str]) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)
