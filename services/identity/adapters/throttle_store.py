"""Sign-in failure counters in MongoDB, shared by every process, updated by compare-and-set
on one document per key (single-document atomicity; no lost increments under a burst)."""
from __future__ import annotations

from datetime import datetime

from pymongo.errors import DuplicateKeyError

from services.identity.adapters.documents import IdentityThrottleDoc
from services.identity.domain.throttle import Counter, ThrottleRule, after_failure


def _counter(raw: dict | None) -> Counter | None:
    if raw is None:
        return None
    return Counter(int(raw.get("failures") or 0), raw.get("window_started"), raw.get("locked_until"))


class ThrottleStore:
    def __init__(self) -> None:
        self._coll = IdentityThrottleDoc._get_collection()

    def counters(self, keys: list[str]) -> dict[str, Counter]:
        """The counters of ``keys`` (one query by ``_id``)."""
        return {raw["_id"]: _counter(raw) for raw in self._coll.find({"_id": {"$in": keys}})}  # type: ignore[misc]

    def record(self, key: str, rule: ThrottleRule, now: datetime) -> Counter:
        """Count one more attempt (a failure, a reset e-mail) for ``key``; returns the new state (locked at the limit)."""
        for _ in range(20):
            raw = self._coll.find_one({"_id": key})
            new = after_failure(_counter(raw), rule, now)
            values = {"failures": new.failures, "window_started": new.window_started,
                      "locked_until": new.locked_until, "expires_at": now + rule.window + rule.lock_for}
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

    def clear(self, key: str) -> None:
        self._coll.delete_one({"_id": key})
