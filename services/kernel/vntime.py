"""Times as people in Vietnam read them: Asia/Ho_Chi_Minh, with the offset, Vietnamese order.

Stored instants stay UTC; everything shown to a person (stamps, pages, human fields of an
API) goes through :func:`format_vn`, e.g. ``13:38:17 ngày 02/12/2026 (UTC+07:00)``.
"""
from __future__ import annotations

from datetime import datetime, timezone

from .clock import VN_TZ


def to_vn(at: datetime) -> datetime:
    """``at`` in Vietnam time; a naive value is taken as UTC (how MongoDB returns instants)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(VN_TZ)


def offset_label(at: datetime) -> str:
    """``UTC+07:00`` for an aware datetime."""
    offset = at.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_vn(at: datetime, *, seconds: bool = True) -> str:
    """``13:38:17 ngày 02/12/2026 (UTC+07:00)``: time, date, offset, in Vietnam time."""
    local = to_vn(at)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{clock} ngày {local:%d/%m/%Y} ({offset_label(local)})"


def format_vn_date(at: datetime) -> str:
    """``02/12/2026``: the calendar date in Vietnam."""
    return f"{to_vn(at):%d/%m/%Y}"
