"""Short-lived download links: an HMAC over version, tenant, subject and expiry.

A link is only good for the person it was made for, in their school, until it expires;
the signature's format is checked first (64 lowercase hex digits), then its bytes in
constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import re

SIGNATURE = re.compile(r"[0-9a-f]{64}")


class SignedUrls:
    """Makes and checks signatures of download links."""

    def __init__(self, *, key: str) -> None:
        if len(key) < 32:
            raise ValueError("url signing key must be at least 32 characters")
        self._key = key.encode("utf-8")

    def sign(self, *, version_id: str, tenant: str, subject: str, expires: int, rendition: bool = False) -> str:
        message = "\n".join([version_id, tenant, subject, str(expires), "pdf" if rendition else "file"])
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def valid(self, signature: str, *, version_id: str, tenant: str, subject: str, expires: int,
              rendition: bool = False) -> bool:
        if not isinstance(signature, str) or not SIGNATURE.fullmatch(signature):
            return False
        expected = self.sign(version_id=version_id, tenant=tenant, subject=subject, expires=expires,
                             rendition=rendition)
        return hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii"))
