"""What the fault scenarios did and what the platform kept, counted by id.

``Ledger.upload`` sends one lesson plan through the gateway with an ``Idempotency-Key`` and notes
the key; an answer other than 201 leaves the key open, and ``retry_open`` sends those again with
the same key once a fault has healed, as a client does. ``Ledger.audit`` then waits (bounded)
for the relay and the consumers to settle and counts, for every version the database holds:
the version record (one per key, nothing lost), its object in S3 (present, nothing orphaned, no
unfinished multipart upload), its document, its one ``documents.version.uploaded`` event, each
upload consumer's one processing of it, and its document's one plan signature.
"""
from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.faults.platform import BUCKET, UPLOAD_CONSUMERS, FaultPlatform, call, current_year, pdf, wait_until


def plan_text(n: int) -> str:
    """Sixty words, different for every plan (so each document gets its own signature)."""
    return " ".join(f"bai{n}tu{i}" for i in range(60))


@dataclass
class Audit:
    """What ``Ledger.audit`` counted."""

    versions: int
    effects: int
    duplicates_absorbed: int
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    half_writes: list[str] = field(default_factory=list)


class Ledger:
    """The accepted actions of a module, and the audit of their effects."""

    def __init__(self, platform: FaultPlatform) -> None:
        self.platform = platform
        self.open: set[str] = set()
        self.accepted: dict[str, str] = {}  # idempotency key -> version id
        self.deliveries: Counter[str] = Counter()  # event id -> times the broker routed it
        self.event_of: dict[str, str] = {}  # version id -> its uploaded event's id
        self._n = 0

    def upload(self, *, padding: int = 0, key: str | None = None, timeout: float = 120.0,
               port: int | None = None) -> tuple[int, dict[str, Any]]:
        """One lesson plan through the gateway; the status and the parsed answer."""
        key = key or uuid.uuid4().hex
        self._n += 1
        self.open.add(key)
        headers = {**self.platform.teacher(), "X-File-Name": f"ke-hoach-{key[:8]}.pdf", "Idempotency-Key": key,
                   "Content-Type": "application/octet-stream"}
        path = f"/api/documents/v1/documents/upload?book=ke_hoach_bai_day&period={current_year()}.t05"
        status, _, body = call(port or self.platform.ports["gateway"], "POST", path,
                               pdf(plan_text(self._n), padding), headers, timeout=timeout)
        answer = json.loads(body) if body else {}
        if status in (200, 201):
            self.accepted[key] = answer["version"]["id"]
            self.open.discard(key)
        return status, answer

    def retry_open(self) -> int:
        """Send every upload that was not accepted again, with its own key; how many were retried."""
        keys = sorted(self.open)
        for key in keys:
            status, answer = self.upload(key=key)
            assert status in (200, 201), (status, answer)
        return len(keys)

    def duplicates(self) -> int:
        """Deliveries beyond the first of each event so far (what idempotent consumers had to absorb)."""
        return sum(n - 1 for n in self.deliveries.values())

    def collect_deliveries(self) -> None:
        for event_id, version_id, times in self.platform.witness_deliveries():
            self.deliveries[event_id] += times
            known = self.event_of.setdefault(version_id, event_id)
            assert known == event_id, f"version {version_id} got two different events ({known}, {event_id})"

    def audit(self, *, settle_seconds: float = 240.0) -> Audit:
        """Wait for relay and consumers to settle, then count every effect by id (see the module docstring)."""
        assert not self.open, f"uploads never accepted: {sorted(self.open)}"
        db = self.platform.db()
        wait_until(lambda: db["versions"].count_documents({"outbox_pending": True}) == 0, seconds=settle_seconds,
                   what="every outbox to be relayed")
        total = db["versions"].count_documents({})

        def consumed() -> bool:
            self.collect_deliveries()
            return all(db["processed_events"].count_documents({"consumer": c, "type": "documents.version.uploaded"})
                       >= total for c in UPLOAD_CONSUMERS)

        wait_until(consumed, seconds=settle_seconds, what="every upload event to be consumed", every=0.5)
        versions = list(db["versions"].find({}, {"idempotency_key": 1, "storage_key": 1, "document_id": 1}))
        found = Audit(versions=len(versions), effects=0, duplicates_absorbed=0)
        per_key = Counter(v.get("idempotency_key") for v in versions)
        found.doubled = [key for key, n in per_key.items() if n > 1]
        held = {v["_id"] for v in versions}
        found.lost = [vid for vid in self.accepted.values() if vid not in held]
        found.half_writes += [f"version {v['_id']} of no accepted upload" for v in versions
                              if v.get("idempotency_key") not in self.accepted]
        s3 = self.platform.s3()
        objects = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
                   for o in page.get("Contents", [])}
        keys = {v["storage_key"] for v in versions}
        found.half_writes += [f"version without its object: {k}" for k in sorted(keys - objects)]
        found.half_writes += [f"object without a version: {k}" for k in sorted(objects - keys)]
        found.half_writes += [f"unfinished multipart upload: {u['Key']}"
                              for u in s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])]
        documents = {d["_id"] for d in db["documents"].find({}, {"_id": 1})}
        found.half_writes += [f"version {v['_id']} without its document" for v in versions
                              if v["document_id"] not in documents]
        found.half_writes += [f"document {d} without a version" for d in sorted(documents - {v["document_id"] for v in versions})]
        for v in versions:
            event_id = self.event_of.get(v["_id"])
            if event_id is None:
                found.lost.append(f"event of version {v['_id']}")
                continue
            runs = [db["processed_events"].count_documents({"consumer": c, "event_id": event_id})
                    for c in UPLOAD_CONSUMERS]
            signatures = db["plan_signatures"].count_documents({"_id": v["document_id"], "version_id": v["_id"]})
            if runs == [1] * len(UPLOAD_CONSUMERS) and signatures == 1:
                found.effects += 1
            else:
                found.doubled.append(f"version {v['_id']}: consumer runs {runs}, signatures {signatures}")
        found.duplicates_absorbed = self.duplicates()
        return found
