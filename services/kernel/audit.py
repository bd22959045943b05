"""Append-only, hash-chained audit log: one chain per school (tenant) in each service database.

Each entry stores the hash of the previous entry of its chain; a head record per chain holds the
latest hash, so editing, deleting or appending behind the log's back is detected by ``verify()``.
A history rebuilt with fresh hashes is caught by the anchors kept outside the database (``anchors``).

One chain per school (``chain_of``: the tenant; entries without one chain per district, or on the
platform chain) keeps appends of different schools from serialising on one head: an append
inserts ``(chain, seq)`` under a unique index and retries on a collision, so processes appending
to different chains never wait for each other, and processes sharing a chain stay consistent.
``python -m services.kernel.audit verify --service NAME`` (against ``MONGO_URI``) prints the first
broken link and the first anchor that disagrees.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .clock import Clock, SystemClock

GENESIS = "0" * 64
#: The chain of entries that name neither a school nor a district.
PLATFORM_CHAIN = "platform"
#: Chains whose last position a process remembers (beyond it the memory starts again: only a cache).
_REMEMBERED_CHAINS = 10_000


def _canonical(entry: Mapping[str, Any]) -> bytes:
    def default(o: Any) -> str:
        if isinstance(o, datetime):
            return o.isoformat()
        return str(o)

    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default).encode("utf-8")


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The SHA-256 of an entry's canonical JSON, every field but ``_id`` and ``hash``."""
    body = {k: v for k, v in entry.items() if k not in ("_id", "hash")}
    return hashlib.sha256(_canonical(body)).hexdigest()


def chain_of(tenant: str | None, district: str | None) -> str:
    """The chain an entry joins: its school's, else its district's, else the platform's."""
    if tenant:
        return tenant
    if district:
        return f"district:{district}"
    return PLATFORM_CHAIN


def head_id(chain: str | None) -> str:
    """The ``_id`` of a chain's head record (``head`` for entries written before chains had keys)."""
    return "head" if chain is None else f"chain:{chain}"


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str
    chain: str | None = None


class AuditLog:
    """Writes and verifies the audit chains in ``db[collection]`` (heads in ``<collection>_head``)."""

    def __init__(self, *, db: Database, clock: Clock | None = None, collection: str = "audit_log") -> None:
        self._entries = db[collection]
        self._head = db[collection + "_head"]
        self._clock = clock or SystemClock()
        self._last: dict[str, tuple[int, str]] = {}
        if "seq_1" in self._entries.index_information():  # the one-chain layout's unique index on seq alone
            self._entries.drop_index("seq_1")
        self._entries.create_index([("chain", ASCENDING), ("seq", ASCENDING)], unique=True)
        self._entries.create_index([("tenant", ASCENDING), ("_id", DESCENDING)])
        self._entries.create_index([("target", ASCENDING), ("_id", DESCENDING)])
        self._head.create_index([("anchored", ASCENDING)])

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
        """Add one entry at the end of its chain (``chain_of(tenant, district)``) and return it.

        The position this process wrote last is tried first (two round trips: the entry, the head);
        a collision with another writer reads the chain's end and tries again.
        """
        chain = chain_of(tenant, district)
        for attempt in range(50):
            last = self._last.get(chain) or self._read_end(chain)
            entry = {
                "chain": chain,
                "seq": last[0] + 1,
                "at": self._clock.now().isoformat(),
                "action": action,
                "actor": actor,
                "on_behalf_of": on_behalf_of,
                "tenant": tenant,
                "district": district,
                "target": target,
                "data": dict(data or {}),
                "request_id": request_id,
                "prev_hash": last[1],
            }
            entry["hash"] = entry_hash(entry)
            try:
                self._entries.insert_one(dict(entry))
            except DuplicateKeyError:
                self._last.pop(chain, None)
                if attempt:
                    time.sleep(random.uniform(0, 0.001 * attempt))  # several writers on one chain: spread them
                continue
            if len(self._last) >= _REMEMBERED_CHAINS:
                self._last.clear()
            self._last[chain] = (entry["seq"], entry["hash"])
            self._advance_head(chain, entry["seq"], entry["hash"])
            return entry
        raise RuntimeError(f"audit log append kept colliding on chain {chain}")

    def _read_end(self, chain: str) -> tuple[int, str]:
        last = self._entries.find_one({"chain": chain}, {"seq": 1, "hash": 1}, sort=[("seq", DESCENDING)])
        return (last["seq"], last["hash"]) if last else (0, GENESIS)

    def _advance_head(self, chain: str, seq: int, hash_: str) -> None:
        """Move the chain's head forward (never back) in one upsert; ``anchored`` false until anchored."""
        try:
            self._head.update_one({"_id": head_id(chain), "seq": {"$lt": seq}},
                                  {"$set": {"chain": chain, "seq": seq, "hash": hash_, "anchored": False}}, upsert=True)
        except DuplicateKeyError:
            return  # a later entry of this chain already moved the head

    def entries(self, *, tenant: str | None = None, target: str | None = None, limit: int = 100,
                match: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Latest entries first (in the order they were written), optionally for one tenant or one
        target and matching ``match`` (a MongoDB filter on the entries' fields, e.g.
        ``{"action": ..., "data.campaign": ...}``)."""
        q: dict[str, Any] = dict(match or {})
        if tenant is not None:
            q["tenant"] = tenant
        if target is not None:
            q["target"] = target
        return list(self._entries.find(q, {"_id": 0}).sort("_id", DESCENDING).limit(limit))

    def chains(self) -> list[str | None]:
        """Every chain the database holds entries or a head of (``None``: entries from before chains)."""
        found: set[str | None] = set(self._entries.distinct("chain"))
        found.update(h.get("chain") for h in self._head.find({}, {"chain": 1}))
        if self._entries.find_one({"chain": None}, {"_id": 1}) is not None:
            found.add(None)
        return sorted(found, key=lambda c: (c is not None, c or ""))

    def verify(self) -> list[ChainBreak]:
        """Every break in every chain: edited, deleted or out-of-place entries. Empty when intact."""
        breaks: list[ChainBreak] = []
        for chain in self.chains():
            breaks.extend(self.verify_chain(chain))
        return breaks

    def verify_chain(self, chain: str | None) -> list[ChainBreak]:
        """Every break in one chain."""
        breaks: list[ChainBreak] = []
        prev_hash = GENESIS
        expected = 1
        for e in self._entries.find({"chain": chain}).sort("seq", ASCENDING):
            seq = e.get("seq")
            if seq != expected:
                breaks.append(ChainBreak(expected, f"entries {expected}..{seq - 1} are missing", chain))
            if e.get("prev_hash") != prev_hash:
                breaks.append(ChainBreak(seq, "does not follow the previous entry", chain))
            if entry_hash(e) != e.get("hash"):
                breaks.append(ChainBreak(seq, "content was changed after it was written", chain))
            prev_hash = e.get("hash")
            expected = seq + 1
        head = self._head.find_one({"_id": head_id(chain)})
        if head is not None and (head["seq"] != expected - 1 or head["hash"] != prev_hash):
            breaks.append(ChainBreak(head["seq"], "the last entries were removed", chain))
        return breaks


def _where(chain: str | None, seq: int) -> str:
    return f"entry {seq}" if chain is None else f"{chain} entry {seq}"


def verify_report(log: AuditLog, anchoring: Any = None) -> tuple[bool, list[str]]:
    """What ``verify`` prints: the first broken link and the first anchor that disagrees."""
    lines: list[str] = []
    breaks = log.verify()
    if breaks:
        lines.append(f"first broken link: {_where(breaks[0].chain, breaks[0].seq)}: {breaks[0].problem}")
        lines.extend(f"  also {_where(b.chain, b.seq)}: {b.problem}" for b in breaks[1:])
    else:
        lines.append("hash chain: every link holds")
    disagreements = anchoring.verify() if anchoring is not None else []
    if anchoring is None:
        lines.append("anchors: not checked")
    elif disagreements:
        first = disagreements[0]
        lines.append(f"first anchor that disagrees: {_where(first.chain, first.seq)} ({first.key}): {first.problem}")
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
    v = sub.add_parser("verify", help="check the audit chains of one service database and their anchors")
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
