"""Append-only, hash-chained audit log, one chain per service database.

Each entry stores the hash of the previous one; a head record holds the latest hash, so
editing, deleting or appending behind the log's back is detected by ``verify()``. A history
rebuilt with fresh hashes is caught by the anchors kept outside the database (``anchors``).
``python -m services.kernel.audit verify --service NAME`` (against ``MONGO_URI``) prints the first
broken link and the first anchor that disagrees.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .clock import Clock, SystemClock

GENESIS = "0" * 64


def _canonical(entry: Mapping[str, Any]) -> bytes:
    def default(o: Any) -> str:
        if isinstance(o, datetime):
            return o.isoformat()
        return str(o)

    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k not in ("_id", "hash")}
    return hashlib.sha256(_canonical(body)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str


class AuditLog:
    """Writes and verifies the audit chain in ``db[collection]``."""

    def __init__(self, *, db: Database, clock: Clock | None = None, collection: str = "audit_log") -> None:
        self._entries = db[collection]
        self._head = db[collection + "_head"]
        self._clock = clock or SystemClock()
        self._entries.create_index([("seq", ASCENDING)], unique=True)
        self._entries.create_index([("tenant", ASCENDING), ("seq", DESCENDING)])
        self._entries.create_index([("target", ASCENDING), ("seq", DESCENDING)])

    def append(
        self,
        *,
        action: str,
        actor: str | None,
        tenant: str | None,
        target: str | None = None,
        data: Mapping[str, Any] | None = None,
        on_behalf_of: str | None = None,
        district: str | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Add one entry at the end of the chain and return it."""
        for _ in range(50):
            last = self._entries.find_one({}, {"seq": 1, "hash": 1}, sort=[("seq", DESCENDING)])
            seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS)
            entry = {
                "seq": seq + 1,
                "at": self._clock.now().isoformat(),
                "action": action,
                "actor": actor,
                "on_behalf_of": on_behalf_of,
                "tenant": tenant,
                "district": district,
                "target": target,
                "data": dict(data or {}),
                "request_id": request_id,
                "prev_hash": prev,
            }
            entry["hash"] = entry_hash(entry)
            try:
                self._entries.insert_one(dict(entry))
            except DuplicateKeyError:
                continue
            self._advance_head(entry["seq"], entry["hash"])
            return entry
        raise RuntimeError("audit log append kept colliding")

    def _advance_head(self, seq: int, hash_: str) -> None:
        if self._head.update_one({"_id": "head", "seq": {"$lt": seq}}, {"$set": {"seq": seq, "hash": hash_}}).matched_count:
            return
        try:
            self._head.insert_one({"_id": "head", "seq": seq, "hash": hash_})
        except DuplicateKeyError:
            pass  # a later entry already moved the head

    def entries(self, *, tenant: str | None = None, target: str | None = None, limit: int = 100,
                match: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Latest entries first, optionally for one tenant or one target and matching ``match``
        (a MongoDB filter on the entries' fields, e.g. ``{"action": ..., "data.campaign": ...}``)."""
        q: dict[str, Any] = dict(match or {})
        if tenant is not None:
            q["tenant"] = tenant
        if target is not None:
            q["target"] = target
        return list(self._entries.find(q, {"_id": 0}).sort("seq", DESCENDING).limit(limit))

    def verify(self) -> list[ChainBreak]:
        """Every break in the chain: edited, deleted or out-of-place entries. Empty when intact."""
        breaks: list[ChainBreak] = []
        prev_hash = GENESIS
        expected = 1
        for e in self._entries.find({}).sort("seq", ASCENDING):
            seq = e.get("seq")
            if seq != expected:
                breaks.append(ChainBreak(expected, f"entries {expected}..{seq - 1} are missing"))
            if e.get("prev_hash") != prev_hash:
                breaks.append(ChainBreak(seq, "does not follow the previous entry"))
            if entry_hash(e) != e.get("hash"):
                breaks.append(ChainBreak(seq, "content was changed after it was written"))
            prev_hash = e.get("hash")
            expected = seq + 1
        head = self._head.find_one({"_id": "head"})
        if head is not None and (head["seq"] != expected - 1 or head["hash"] != prev_hash):
            breaks.append(ChainBreak(head["seq"], "the last entries were removed"))
        return breaks


def verify_report(log: AuditLog, anchoring: Any = None) -> tuple[bool, list[str]]:
    """What ``verify`` prints: the first broken link and the first anchor that disagrees."""
    lines: list[str] = []
    breaks = log.verify()
    if breaks:
        lines.append(f"first broken link: entry {breaks[0].seq}: {breaks[0].problem}")
        lines.extend(f"  also entry {b.seq}: {b.problem}" for b in breaks[1:])
    else:
        lines.append("hash chain: every link holds")
    disagreements = anchoring.verify() if anchoring is not None else []
    if anchoring is None:
        lines.append("anchors: not checked")
    elif disagreements:
        first = disagreements[0]
        lines.append(f"first anchor that disagrees: entry {first.seq} ({first.key}): {first.problem}")
        lines.append(f"  {len(disagreements)} of the anchors disagree")
    else:
        lines.append("anchors: every anchor agrees with the database")
    ok = not breaks and not disagreements
    lines.append("audit chain intact" if ok else "audit chain BROKEN")
    return ok, lines


def main(argv: list[str] | None = None) -> int:
    """``python -m services.kernel.audit verify --service NAME``: exit 1 when the chain is broken.

    Reads ``MONGO_URI`` and the anchor settings (``HOSO_AUDIT_ANCHOR_*``) from the environment.
    """
    import argparse
    import os

    from .anchors import AuditAnchoring, DevelopmentTimeStamper
    from .mongo import connect_database
    from .runtime import anchor_store_for
    from .settings import ServiceSettings, load_settings

    parser = argparse.ArgumentParser(prog="python -m services.kernel.audit")
    sub = parser.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify", help="check the audit chain of one service database and its anchors")
    v.add_argument("--service", required=True)
    v.add_argument("--db", default=None, help="database name (default hoso_<service>)")
    args = parser.parse_args(argv)
    uri = os.environ.get("MONGO_URI")
    if not uri:
        print("MONGO_URI is not set: the in-memory database of a running process cannot be read from outside.")
        return 2
    settings = load_settings(ServiceSettings, os.environ, {"mode": "test"})
    db = connect_database(alias=f"audit-{args.service}", db_name=args.db or f"hoso_{args.service}", uri=uri)
    anchoring = AuditAnchoring(db=db, service=args.service, store=anchor_store_for(settings),
                               timestamper=DevelopmentTimeStamper())  # verifying never asks the TSA
    ok, lines = verify_report(AuditLog(db=db), anchoring)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
