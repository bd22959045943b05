"""Bulk-seeding schools straight into the services' databases (``insert_many``, not the API).

``clone_school`` copies every record of one school — in every service's database, every document
whose ``tenant_id`` is the school, plus its people (usernames start with the school's prefix) —
as ``count`` new schools of the same district. Ids are rewritten the same way in every copy of a
school, so references between services stay whole; pending outbox events are dropped, so the
copies publish nothing. What a unique index refuses in a copy (a shared digest, say) is skipped
and counted.
"""
from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pymongo
from bson import ObjectId
from pymongo.errors import BulkWriteError

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_ID = re.compile(f"^[{ALPHABET}]{{26}}$")
_DEMO_ID = re.compile(r"^demo-[a-z]+-[0-9a-f]{20}$")  # the demo district's fixed ids
_PHONE = re.compile(r"^0\d{9}$")
SYSTEM_DATABASES = {"admin", "config", "local"}


@dataclass
class Seeded:
    """What a seeding inserted and skipped, by ``database.collection``."""

    inserted: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)


def _suffix(k: int) -> str:
    out = ""
    for _ in range(6):
        out = ALPHABET[k & 31] + out
        k >>= 5
    return out


class _Rewriter:
    """Turns the source school's values into the ``k``-th copy's (the same value, the same result)."""

    def __init__(self, *, source: str, prefix: str, k: int) -> None:
        self.source, self.prefix, self.k = source, prefix, k
        self.slug = f"{source}-{k:04d}"
        self.new_prefix = f"s{k:04d}."
        self.object_ids: dict[ObjectId, ObjectId] = {}

    def text(self, value: str) -> str:
        if _ID.match(value):
            return value[:20] + _suffix(self.k)
        if _DEMO_ID.match(value):
            return f"{value}-{self.k:04d}"
        if _PHONE.match(value):
            return "08" + f"{(int(value) * 7919 + self.k * 104729) % 10**8:08d}"
        value = value.replace(self.source, self.slug)
        if value.startswith(self.prefix):
            value = self.new_prefix + value[len(self.prefix):]
        if "@" in value and " " not in value and len(value) < 120:
            value = f"s{self.k:04d}-{value}"
        return value

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(key): self(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, ObjectId):
            return self.object_ids.setdefault(value, ObjectId())
        if isinstance(value, uuid.UUID):
            return uuid.uuid5(value, str(self.k))
        return value


def _source_documents(db: Any, source: str, prefix: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for name in db.list_collection_names():
        docs = list(db[name].find({"$or": [{"tenant_id": source}, {"_id": {"$regex": "^" + re.escape(prefix)}}]}))
        if docs:
            found[name] = docs
    return found


def clone_school(uri: str, *, source: str, prefix: str, copies: Iterable[int], batch: int = 2000) -> Seeded:
    """Insert copies ``k`` (for each ``k`` in ``copies``) of school ``source`` in every database at ``uri``."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(uri, uuidRepresentation="standard", tz_aware=True)
    seeded = Seeded()
    try:
        sources = {name: _source_documents(client[name], source, prefix)
                   for name in client.list_database_names() if name not in SYSTEM_DATABASES}
        copies = list(copies)
        for db_name, collections in sources.items():
            for coll_name, docs in collections.items():
                pending: list[dict[str, Any]] = []
                for k in copies:
                    rewrite = _Rewriter(source=source, prefix=prefix, k=k)
                    for doc in docs:
                        copy = rewrite(doc)
                        if "outbox" in copy:
                            copy["outbox"], copy["outbox_pending"] = [], False
                        pending.append(copy)
                    if len(pending) >= batch:
                        _insert(client[db_name][coll_name], pending, seeded, f"{db_name}.{coll_name}")
                        pending = []
                if pending:
                    _insert(client[db_name][coll_name], pending, seeded, f"{db_name}.{coll_name}")
    finally:
        client.close()
    return seeded


def _insert(coll: Any, docs: list[dict[str, Any]], seeded: Seeded, key: str) -> None:
    try:
        result = coll.insert_many(docs, ordered=False)
        seeded.inserted[key] += len(result.inserted_ids)
    except BulkWriteError as exc:
        seeded.inserted[key] += exc.details.get("nInserted", 0)
        seeded.skipped[key] += len(exc.details.get("writeErrors", []))
