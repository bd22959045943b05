"""Identifiers: time-ordered, URL-safe, unguessable enough to be no authorisation by themselves."""
from __future__ import annotations

import os
import time


def new_id() -> str:
    """A 26-character ULID-like id: 48-bit milliseconds then 80 random bits, Crockford base32."""
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    out = []
    for _ in range(26):
        out.append(alphabet[value & 31])
        value >>= 5
    return "".join(reversed(out))
