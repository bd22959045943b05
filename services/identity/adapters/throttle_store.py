"""Sign-in throttle state in MongoDB, shared by every process: failure counters updated by
compare-and-set on one document per key (single-document atomicity; no lost increments under a
burst), and per-address sets of the distinct accounts that failed in a window (``$addToSet``)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from pymongo.errors import DuplicateKeyError

from services.identity.adapters.documents import IdentityThrottleDoc
from services.identity.domain.throttle import Counter


class Rule(Protocol):
    """A throttle rule: how a counter moves on one more event, and how long it is kept."""

    @property
    def keep_for(self) -> timedelta: ...

    def next(self, counter: Counter | None, now: datetime) -> Counter: ...


def _counter(raw: dict | None) -> Counter | None:
    if raw is None:
        return None
    return Counter(int(raw.get("failures") or 0), raw.get("window_started"), raw.get("locked_until"))


class ThrottleStore:
    def __init__(self) -> None:
        self._coll = IdentityThrottleDoc._get_collection()

    def counters(self, keys: list[str]) -> dict[str, Counter]:
        """The counters of ``keys`` (one query by ``_id``)."""
        return self.state(keys)[0]

    def state(self, keys: list[str]) -> tuple[dict[str, Counter], dict[str, int]]:
        """The counters of ``keys`` and, for spray keys, the number of distinct accounts (one query)."""
        counters: dict[str, Counter] = {}
        distinct: dict[str, int] = {}
        for raw in self._coll.find({"_id": {"$in": keys}}):
            counters[raw["_id"]] = _counter(raw)  # type: ignore[assignment]
            distinct[raw["_id"]] = len(raw.get("accounts") or ())
        return counters, distinct

    def record(self, key: str, rule: Rule, now: datetime) -> Counter:
        """Count one more event (a failure, a reset e-mail) for ``key``; returns the new state."""
        for _ in range(20):
            raw = self._coll.find_one({"_id": key})
            new = rule.next(_counter(raw), now)
            values = {"failures": new.failures, "window_started": new.window_started,
                      "locked_until": new.locked_until, "expires_at": now + rule.keep_for}
            if raw is None:
                try:
                    self._coll.insert_one({"_id": key, **values})
                    return new
                except DuplicateKeyError:  # a concurrent first failure created it: retry
                    continue
            result = self._coll.update_one(
                {"_id": key, "failures": raw.get("failures"), "window_started": raw.get("window_started"),
                 "locked_until": raw.get("locked_until")},
                {"$set": values},
            )
            if result.modified_count == 1:
                return new
        raise RuntimeError("throttle counter kept changing under concurrent updates")

    def add_distinct(self, key: str, member: str, *, expires_at: datetime) -> None:
        """Add ``member`` (an account key) to the set kept under ``key`` (atomic, idempotent)."""
        self._coll.update_one({"_id": key}, {"$addToSet": {"accounts": member},
                                             "$setOnInsert": {"expires_at": expires_at}}, upsert=True)

    def clear(self, key: str) -> None:
        self._coll.delete_one({"_id": key})
