"""Identifiers: time-ordered, URL-safe, unguessable enough to be no authorisation by themselves."""
from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_lock = threading.Lock()
_last = 0


def new_id() -> str:
    """A 26-character ULID-like id: 48-bit milliseconds then 80 random bits, Crockford base32.

    Monotonic within a process (as ULID's monotonic mode): an id made in the same millisecond
    as the previous one is the previous one plus one, so ids sort in the order they were made.
    Lists ordered by id (cursor pagination) would otherwise shuffle what one millisecond made;
    mongomock hid it by returning ties in insertion order.
    """
    global _last
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    with _lock:
        if value >> 80 <= _last >> 80:
            value = _last + 1
        _last = value
    out = []
    for _ in range(26):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))
