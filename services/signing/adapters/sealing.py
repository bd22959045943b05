"""Keys at rest: AES-256-GCM under the key-encryption key from settings.

The credential id is bound as associated data, so a sealed key copied onto another
credential's record does not open.
"""
from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class SealBroken(Exception):
    """The sealed blob was altered, or belongs to another credential, or the KEK is wrong."""


class KeySealer:
    """Seals and opens key material with one key-encryption key."""

    def __init__(self, *, kek: bytes) -> None:
        if len(kek) != 32:
            raise ValueError("the key-encryption key must be 32 bytes (AES-256)")
        self._aead = AESGCM(kek)

    def seal(self, plaintext: bytes, *, credential_id: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, credential_id.encode())

    def open(self, sealed: bytes, *, credential_id: str) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], credential_id.encode())
        except InvalidTag as exc:
            raise SealBroken(credential_id) from exc
