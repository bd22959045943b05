"""AES-256-GCM encryption of backup files, streamed so that large objects never sit in memory.

A file is ``nonce (12 bytes) || ciphertext || tag (16 bytes)``; its name inside the backup is the
associated data, so a file moved to another name does not decrypt. The key is 32 bytes read from
``BACKUP_KEY`` (base64) or the file named by ``BACKUP_KEY_FILE`` (raw 32 bytes or base64 text); it is
never written into a backup. The manifest stores a fingerprint of the key (HMAC of a constant) so a
wrong key is named as such, and an HMAC of the manifest itself.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NONCE = 12
TAG = 16
CHUNK = 1024 * 1024
KEY_ENV = "BACKUP_KEY"
KEY_FILE_ENV = "BACKUP_KEY_FILE"


class BackupKeyError(RuntimeError):
    """No usable key, or the backup was made with another key."""


class TamperedFile(RuntimeError):
    """A backup file does not authenticate: changed, truncated or renamed."""


@dataclass(frozen=True)
class FileDigest:
    """What writing one encrypted file measured: plaintext size and SHA-256."""

    size: int
    sha256: str


class BackupKey:
    """The 256-bit key that encrypts a backup; built from the environment by ``from_environ``."""

    def __init__(self, *, key: bytes) -> None:
        if len(key) != 32:
            raise BackupKeyError("the backup key must be 32 bytes (AES-256)")
        self._key = key

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "BackupKey":
        """``BACKUP_KEY`` (base64 of 32 bytes) or ``BACKUP_KEY_FILE`` (raw 32 bytes or base64 text)."""
        if environ.get(KEY_ENV):
            return cls(key=_b64(environ[KEY_ENV].strip(), KEY_ENV))
        if environ.get(KEY_FILE_ENV):
            raw = Path(environ[KEY_FILE_ENV]).read_bytes()
            return cls(key=raw if len(raw) == 32 else _b64(raw.decode("ascii").strip(), KEY_FILE_ENV))
        raise BackupKeyError(f"set {KEY_ENV} (base64 of 32 random bytes) or {KEY_FILE_ENV}; backups are always encrypted")

    @staticmethod
    def generate() -> str:
        """A new key, base64 (what ``BACKUP_KEY`` or a key file holds)."""
        return base64.b64encode(os.urandom(32)).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """Names the key in a manifest without revealing it."""
        return hmac.new(self._key, b"hoso-backup-key-fingerprint", hashlib.sha256).hexdigest()[:32]

    def mac(self, data: bytes) -> str:
        """HMAC-SHA256 of ``data`` (the manifest's own integrity)."""
        return hmac.new(self._key, b"hoso-backup-manifest\x00" + data, hashlib.sha256).hexdigest()

    def write(self, path: Path, name: str, chunks: Iterable[bytes]) -> FileDigest:
        """Encrypt ``chunks`` into ``path`` with ``name`` as associated data."""
        nonce = os.urandom(NONCE)
        enc = Cipher(algorithms.AES(self._key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(name.encode("utf-8"))
        digest, size = hashlib.sha256(), 0
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as out:
            out.write(nonce)
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(enc.update(chunk))
            out.write(enc.finalize())
            out.write(enc.tag)
        return FileDigest(size=size, sha256=digest.hexdigest())

    def read(self, path: Path, name: str, sink: BinaryIO) -> FileDigest:
        """Decrypt ``path`` into ``sink``; ``TamperedFile`` when it does not authenticate.

        The plaintext reaches ``sink`` before the tag is checked at the end: callers write to a
        temporary file and use it only once this returns.
        """
        total = path.stat().st_size
        if total < NONCE + TAG:
            raise TamperedFile(f"{name}: truncated")
        with open(path, "rb") as src:
            nonce = src.read(NONCE)
            src.seek(total - TAG)
            tag = src.read(TAG)
            src.seek(NONCE)
            dec = Cipher(algorithms.AES(self._key), modes.GCM(nonce, tag)).decryptor()
            dec.authenticate_additional_data(name.encode("utf-8"))
            digest, size = hashlib.sha256(), 0
            for chunk in _ranged(src, total - NONCE - TAG):
                plain = dec.update(chunk)
                digest.update(plain)
                size += len(plain)
                sink.write(plain)
            try:
                dec.finalize()
            except InvalidTag:
                raise TamperedFile(f"{name}: does not authenticate (changed, truncated, renamed or another key)") from None
        return FileDigest(size=size, sha256=digest.hexdigest())


def _ranged(src: BinaryIO, length: int) -> Iterator[bytes]:
    while length > 0:
        chunk = src.read(min(CHUNK, length))
        if not chunk:
            raise TamperedFile("file shorter than it says")
        length -= len(chunk)
        yield chunk


def _b64(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BackupKeyError(f"{where} is not base64") from None
