"""SecantusDB's daemon with its retryable-write records kept in time order (run by ``.wire-venv``'s Python).

SecantusDB 0.7.0b3 keeps a record of every retryable write (pymongo makes every single-document
write retryable) for 30 minutes, capped at 10,000, and prunes that map on every write and every
retry lookup by scanning all of it, then *sorting* all of it once the cap is reached. Its cost
per write grows with the writes the server has seen: a long test pass spent 69 % of the server's
CPU there (py-spy, 2026-12-04), and each test ran slower than the one before.

Here the map is kept in insertion order with a re-recorded key moved to the end, so its order is
the records' time order: pruning pops stale records and the excess from the front and stops at
the first fresh one. The records kept, their lifetime, the cap, the replies replayed and the
lock are SecantusDB's own; only the cost changes (constant per write instead of linear).

Also: before every document it writes, SecantusDB decodes all of the collection's index
definitions to pre-check geo indexes (9 % of its CPU once the records were fixed); with no geo
index among them (HoSo declares none) there is nothing to check, so that pass is skipped.

This file is executed by ``.wire-venv/bin/python`` (see ``infra/standins/wire_db.py``), not
imported by the product or the test process: it imports SecantusDB, which lives only there.
"""
from __future__ import annotations

import sys
from typing import Any

from secantus import cli, storage, transactions
from secantus.transactions import TransactionRegistry, _is_recordable_reply, _strip_per_attempt_fields

_VALIDATE_GEO = storage.Storage._validate_geo_indexes


def _record_retryable(self: TransactionRegistry, lsid_bytes: bytes, txn_number: int, identity: bytes,
                      reply: dict[str, Any]) -> None:
    """SecantusDB's ``record_retryable``, re-recording a key at the end so the map stays in time order."""
    if not _is_recordable_reply(reply):
        return
    with self._lock:
        key = (lsid_bytes, txn_number)
        self._retryable.pop(key, None)
        self._retryable[key] = (_strip_per_attempt_fields(reply), self._time(), identity)
        self._prune_retryable_locked()


def _prune_retryable_locked(self: TransactionRegistry) -> None:
    """Drop records past their lifetime, then the oldest beyond the cap: from the front, stopping at the first kept."""
    records = self._retryable
    cutoff = self._time() - transactions._RETRYABLE_RECORD_LIFETIME_SECONDS
    while records:
        key = next(iter(records))
        if records[key][1] >= cutoff and len(records) <= transactions._RETRYABLE_RECORD_MAX:
            return
        del records[key]


def _validate_geo_indexes(self: storage.Storage, db: str, coll: str, doc: dict[str, Any],
                          indexes: list[tuple[str, dict[str, Any], bool, bool]], *args: Any, **kwargs: Any) -> None:
    """SecantusDB's geo pre-flight, skipped when no index is a geo index (it decoded every index per written document)."""
    if any(storage._geo_type_of(key_spec) is not None for _name, key_spec, _sparse, _unique in indexes):
        _VALIDATE_GEO(self, db, coll, doc, indexes, *args, **kwargs)


def main() -> int:
    """Patch the registry and the geo pre-flight, then run SecantusDB's own command line with this process's arguments."""
    TransactionRegistry.record_retryable = _record_retryable  # type: ignore[method-assign]
    TransactionRegistry._prune_retryable_locked = _prune_retryable_locked  # type: ignore[method-assign]
    storage.Storage._validate_geo_indexes = _validate_geo_indexes  # type: ignore[method-assign]
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
