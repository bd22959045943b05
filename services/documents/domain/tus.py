"""The tus 1.0.0 resumable upload protocol as documents speaks it: versions, extensions, metadata, expiry.

Plain functions over header values, no I/O. ``Upload-Metadata`` is a comma-separated list of
``key base64(value)`` pairs (RFC 4648 base64 of UTF-8); a key may come without a value.
"""
from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
SESSION_LIFETIME = timedelta(hours=24)
"""A session (and every chunk it holds) is deleted this long after it was created."""

_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_METADATA = 8192


class MetadataError(ValueError):
    """``Upload-Metadata`` is not a list of ``key base64`` pairs; the message is shown to people."""


def parse_metadata(header: str | None) -> dict[str, str]:
    """The ``Upload-Metadata`` pairs decoded (UTF-8); a key without value maps to an empty string."""
    if not header or not header.strip():
        return {}
    if len(header) > MAX_METADATA:
        raise MetadataError("Tiêu đề Upload-Metadata quá dài.")
    found: dict[str, str] = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        if not parts[0] or len(parts) > 2 or not _KEY.match(parts[0]) or parts[0] in found:
            raise MetadataError("Tiêu đề Upload-Metadata phải là các cặp “khóa giá-trị-base64” cách nhau bởi dấu phẩy.")
        try:
            found[parts[0]] = base64.b64decode(parts[1], validate=True).decode("utf-8") if len(parts) == 2 else ""
        except (binascii.Error, ValueError):
            raise MetadataError(f"Giá trị “{parts[0]}” trong Upload-Metadata không phải base64 của UTF-8.") from None
    return found


def parse_size(raw: str | None) -> int | None:
    """A non-negative decimal header value (``Upload-Length``, ``Upload-Offset``); None when absent or not one."""
    if raw is None or not raw.isdigit() or len(raw) > 19:
        return None
    return int(raw)


def expires_header(at: datetime) -> str:
    """``Upload-Expires`` in the HTTP date format (RFC 9110); a naive time is UTC (as MongoDB gives it back)."""
    return format_datetime(at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc),
                           usegmt=True)
