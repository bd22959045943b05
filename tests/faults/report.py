"""The fault report: per kind of fault, what was injected, accepted, counted and found half-written.

Each fault scenario calls ``record(kind, faults=..., accepted=..., effects=..., duplicates_absorbed=...,
half_writes=..., lost=...)``; the figures land in ``test-artifacts/fault-report.json`` (merged across
tests and pytest processes, counts added up). ``python -m tests.faults.report`` prints it, and the
suite's ``conftest.py`` prints it at the end of every run that recorded anything.
"""
from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-artifacts" / "fault-report.json"

#: The kinds, in the report's order, with what a reader is told.
KINDS: tuple[tuple[str, str], ...] = (
    ("broker_cut", "broker connections cut during a burst of uploads"),
    ("consumer_killed", "consumer SIGKILLed before its ack"),
    ("relay_killed", "relay SIGKILLed between publish and mark"),
    ("store_failing", "object store resetting / black-holing mid-upload"),
    ("service_killed", "documents SIGKILLed behind the gateway"),
    ("database_paused", "database paused (SIGSTOP) during requests"),
    ("latency", "latency on the database, the broker and the object store"),
)
#: The columns: (figure, heading).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("faults", "faults"),
    ("accepted", "accepted"),
    ("effects", "effects once"),
    ("duplicates_absorbed", "dups absorbed"),
    ("refused", "refused (problem)"),
    ("lost", "lost"),
    ("half_writes", "half-writes"),
)


def record(kind: str, **figures: int) -> None:
    """Add ``figures`` (counts) to ``kind``; safe across processes."""
    if kind not in dict(KINDS):
        raise KeyError(f"unknown fault kind {kind!r}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with open(REPORT.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = load()
        bucket = data.setdefault(kind, {})
        for name, value in figures.items():
            if name not in dict(COLUMNS):
                raise KeyError(f"unknown figure {name!r}")
            bucket[name] = int(bucket.get(name, 0)) + int(value)
        REPORT.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def load() -> dict[str, dict[str, Any]]:
    """The figures recorded so far (empty before any fault scenario ran)."""
    try:
        return json.loads(REPORT.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def reset() -> None:
    """Forget earlier runs' figures (called once at the start of a pytest session)."""
    REPORT.unlink(missing_ok=True)


def report() -> str:
    """The report as a table, one kind a line."""
    data = load()
    if not data:
        return "Fault report: no fault scenario has run (./dev test tests/faults)."
    width = max(len(text) for _, text in KINDS)
    head = "  ".join(f"{heading:>{max(len(heading), 6)}}" for _, heading in COLUMNS)
    out = [f"Fault report (tests/faults; effects: each accepted action's records, objects and consumer effects, "
           f"counted by id, each exactly once)", f"  {'kind':<{width}}  {head}"]
    for kind, text in KINDS:
        figures = data.get(kind)
        if figures is None:
            continue
        cells = "  ".join(f"{figures.get(name, '-'):>{max(len(heading), 6)}}" for name, heading in COLUMNS)
        out.append(f"  {text:<{width}}  {cells}")
    return "\n".join(out)


if __name__ == "__main__":
    print(report())
    sys.exit(0)
