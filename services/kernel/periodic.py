"""Periodic jobs run once per time slot across every replica of a service, by claim.

A job of interval ``I`` owns the slots ``floor(t / I)`` of wall-clock time. Each replica wakes at
every slot's start and tries to claim it in ``periodic_claims`` (the service's own database): one
document per job, moved to the new slot by a ``findOneAndUpdate`` with upsert whose filter accepts
only an older slot whose previous run is over (released, or its lease expired). Exactly one replica
wins each slot; the others find the slot taken (or lose the upsert on the unique ``_id``) and wait
for the next. A run that outlasts its slot keeps its lease alive (renewed every third of the lease)
so the next slot is skipped rather than run beside it; a replica that dies mid-run frees the job when
its lease expires. So running two or more ``relay-<service>`` replicas is safe.

Job names come from the callable (``Class.method`` of a bound method, ``function`` otherwise) and
must be unique within the service: a lambda is refused, since two replicas could not agree on it.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

log = logging.getLogger(__name__)

#: A job as services list them: (interval in seconds, callable).
Job = tuple[float, Callable[[], object]]


def job_name(job: Callable[[], object]) -> str:
    """The name replicas agree on: ``Class.method`` for a bound method, the function's own name otherwise."""
    name = getattr(job, "__qualname__", None)
    if not name or "<lambda>" in name or "<locals>" in name:
        raise ValueError(f"a periodic job needs a stable name (a method or a module function), not {job!r}")
    return name


def slot_of(at: float, interval: float) -> int:
    """The slot of interval ``interval`` holding the instant ``at`` (seconds since the epoch)."""
    return int(at // interval)


class JobClaims:
    """The claim documents of one service's periodic jobs (``collection``: ``periodic_claims``)."""

    def __init__(self, *, collection: Collection, owner: str | None = None, lease_seconds: float = 30.0) -> None:
        self._claims = collection
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = lease_seconds

    def claim(self, job: str, slot: int, *, now: datetime | None = None) -> bool:
        """Take ``slot`` of ``job`` for this owner; False when another replica has it or a run is live."""
        now = now or datetime.now(timezone.utc)
        try:
            found = self._claims.find_one_and_update(
                {"_id": job, "slot": {"$lt": slot}, "until": {"$lte": now}},
                {"$set": {"slot": slot, "owner": self.owner, "until": now + timedelta(seconds=self.lease), "at": now}},
                upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:  # the job's document exists and its filter refused: taken or running
            return False
        return found is not None and found.get("owner") == self.owner and found.get("slot") == slot

    def renew(self, job: str, slot: int) -> bool:
        """Extend this owner's live run of ``slot``; False when it is no longer this owner's."""
        until = datetime.now(timezone.utc) + timedelta(seconds=self.lease)
        return bool(self._claims.update_one({"_id": job, "slot": slot, "owner": self.owner},
                                            {"$set": {"until": until}}).matched_count)

    def release(self, job: str, slot: int) -> None:
        """End this owner's run of ``slot``: the next slot may start at once."""
        self._claims.update_one({"_id": job, "slot": slot, "owner": self.owner},
                                {"$set": {"until": datetime.now(timezone.utc)}})


class PeriodicJobs:
    """Runs a service's jobs, each once per slot across every replica sharing ``claims``."""

    def __init__(self, *, jobs: Sequence[Job], claims: JobClaims) -> None:
        named = [(job_name(job), interval, job) for interval, job in jobs]
        names = [n for n, _, _ in named]
        if len(set(names)) != len(names):
            raise ValueError(f"periodic job names must be unique: {names}")
        self._jobs = named
        self._claims = claims

    @property
    def names(self) -> list[str]:
        return [n for n, _, _ in self._jobs]

    def run_slot(self, name: str, job: Callable[[], object], slot: int) -> bool:
        """Claim ``slot`` of ``name`` and run it here; True when this replica ran it."""
        if not self._claims.claim(name, slot):
            return False
        done = threading.Event()
        renewer = threading.Thread(target=self._keep_alive, args=(name, slot, done), daemon=True)
        renewer.start()
        try:
            job()
        finally:
            done.set()
            self._claims.release(name, slot)
        return True

    def _keep_alive(self, name: str, slot: int, done: threading.Event) -> None:
        while not done.wait(self._claims.lease / 3):
            self._claims.renew(name, slot)

    def _loop(self, name: str, interval: float, job: Callable[[], object], stop: threading.Event) -> None:
        slot = slot_of(time.time(), interval)  # the current slot at once (as before), then each slot's start
        while not stop.is_set():
            try:
                self.run_slot(name, job, slot)
            except Exception:  # noqa: BLE001 - a failed run is logged; the next slot runs again
                log.exception("periodic job %s failed", name)
            slot = max(slot + 1, slot_of(time.time(), interval))
            if stop.wait(max(0.0, slot * interval - time.time())):
                return

    def start(self, stop: threading.Event) -> list[threading.Thread]:
        """One thread per job, until ``stop`` is set."""
        threads = [threading.Thread(target=self._loop, args=(name, interval, job, stop), name=f"periodic-{name}",
                                    daemon=True) for name, interval, job in self._jobs]
        for thread in threads:
            thread.start()
        return threads
