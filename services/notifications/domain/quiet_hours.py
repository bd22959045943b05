"""Quiet hours: push channels (e-mail, Zalo, webhooks) send nothing at night in Vietnam.

Between 21:00 and 06:30 Asia/Ho_Chi_Minh a push delivery is held to 06:30, the start of the
next sending window. Security notices are exempt (a sign-in from a new device cannot wait).
The inbox is never held: it is read when the person opens the web app.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from services.kernel.vntime import to_vn

from .notices import Kind

QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(6, 30)


def is_quiet(at: datetime) -> bool:
    """True when ``at`` falls in the night window, in Vietnam time."""
    local = to_vn(at).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def next_window(at: datetime) -> datetime:
    """``at`` itself when sending is allowed then, else 06:30 of the next morning (UTC, aware)."""
    if not is_quiet(at):
        return _utc(at)
    local = to_vn(at)
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    opening = datetime.combine(day, QUIET_UNTIL, tzinfo=local.tzinfo)
    return opening.astimezone(timezone.utc)


def send_at(at: datetime, kind: Kind) -> datetime:
    """When a push delivery of ``kind`` due at ``at`` may go out: security at once, others by day."""
    return _utc(at) if kind is Kind.SECURITY else next_window(at)


def _utc(at: datetime) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
