"""Encryption of secrets kept in the identity database (signing keys, TOTP secrets) with a
key-encryption key from the settings (AES-256-GCM; the record's id is the associated data, so a
ciphertext moved to another record does not decrypt)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class SecretBox:
    """Seals and opens small secrets with one 32-byte key-encryption key."""

    def __init__(self, *, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the key-encryption key must be 32 bytes")
        self._aead = AESGCM(key)
        self._mac_key = hashlib.sha256(b"hoso-identity-mac\0" + key).digest()  # a subkey, never the KEK itself

    @classmethod
    def from_base64(cls, value: str) -> "SecretBox":
        return cls(key=base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))

    def mac(self, message: str, *, context: str) -> str:
        """A URL-safe HMAC-SHA256 tag of ``message`` under ``context`` (signed cookies)."""
        digest = hmac.new(self._mac_key, f"{context}\0{message}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def seal(self, plaintext: bytes, *, context: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext, context.encode())

    def open(self, sealed: bytes, *, context: str) -> bytes:
        return self._aead.decrypt(sealed[:12], sealed[12:], context.encode())
