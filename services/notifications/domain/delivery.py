"""The life of one delivery (a notice, to one person, on one push channel) and its retry rule.

``pending`` → ``sending`` (claimed by one scheduler replica, with a lease) → ``sent``; a failure
goes back to ``pending`` with the next attempt pushed out by :data:`BACKOFF`, or, after
:data:`MAX_ATTEMPTS` or a permanent failure (a malformed address, a refused recipient), ``dead``:
kept with its reason for an administrator to read and replay.
"""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

#: Waits after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure is final.
BACKOFF: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1


class State(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


class Channel(str, enum.Enum):
    """Where a notice may go. The inbox always; the others as the person (or the school) chose."""

    INBOX = "inbox"
    EMAIL = "email"
    ZALO = "zalo"
    WEBHOOK = "webhook"


def after_failure(attempts: int, now: datetime, *, permanent: bool) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or None when the delivery is dead."""
    if permanent or attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[attempts - 1]
