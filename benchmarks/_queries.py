"""Counting MongoDB round trips in a block, on mongomock (no command monitoring) and on pymongo alike."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import mongomock
from pymongo.collection import Collection

OPERATIONS = ("find", "find_one", "find_one_and_update", "count_documents", "aggregate", "insert_one", "insert_many",
              "update_one", "update_many", "delete_many", "bulk_write")


class QueryCount:
    """How many collection operations ran, by collection name."""

    def __init__(self) -> None:
        self.by_collection: dict[str, int] = {}

    @property
    def total(self) -> int:
        return sum(self.by_collection.values())


@contextmanager
def counting_queries() -> Iterator[QueryCount]:
    """Count every collection operation made inside the block (one per call: a round trip)."""
    count = QueryCount()

    def counted(fn: Any) -> Any:
        def wrapper(self: Any, *a: Any, **kw: Any) -> Any:
            count.by_collection[self.name] = count.by_collection.get(self.name, 0) + 1
            return fn(self, *a, **kw)
        return wrapper

    saved = [(t, name, t.__dict__[name]) for t in (Collection, mongomock.collection.Collection)
             for name in OPERATIONS if name in t.__dict__]
    for t, name, fn in saved:
        setattr(t, name, counted(fn))
    try:
        yield count
    finally:
        for t, name, fn in saved:
            setattr(t, name, fn)
