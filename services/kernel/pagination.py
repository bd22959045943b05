"""Cursor pagination for every list: stable under inserts, O(limit) per page with an index."""
from __future__ import annotations

import base64
import json
from typing import Any

from mongoengine import QuerySet

from .errors import ValidationFailed

MAX_LIMIT = 200


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, ensure_ascii=False).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        pad = "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(cursor + pad))
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("Con trỏ phân trang không hợp lệ.", field="cursor") from None


def paginate(qs: QuerySet, *, cursor: str | None, limit: int = 50, descending: bool = False) -> tuple[list[Any], str | None]:
    """One page of ``qs`` ordered by id, and the cursor of the next page (None at the end)."""
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed(f"Số bản ghi mỗi trang phải từ 1 đến {MAX_LIMIT}.", field="limit")
    if cursor:
        last = decode_cursor(cursor)
        qs = qs.filter(id__lt=last) if descending else qs.filter(id__gt=last)
    items = list(qs.order_by("-id" if descending else "id").limit(limit + 1))
    more = len(items) > limit
    items = items[:limit]
    return items, (encode_cursor(str(items[-1].id)) if more and items else None)
