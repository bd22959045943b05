"""Figures of the trust suite, collected while it runs and printed as one report.

Each trust test calls ``record(section, **figures)``; the figures land in
``test-artifacts/trust/figures.json`` (merged across tests and pytest processes, counts added
up; ``TRUST_FIGURES_FILE`` names another file, as the wire pass does for its own), and ``python -m tests.trust.figures`` (``./dev trust-report``) prints them. The suite's
``conftest.py`` prints the same report at the end of every run that recorded anything.
"""
from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIGURES = Path(os.environ.get("TRUST_FIGURES_FILE") or ROOT / "test-artifacts" / "trust" / "figures.json")

# The report's lines, in order: (section, figure, what a reader is told).
LINES: tuple[tuple[str, str, str], ...] = (
    ("isolation", "routes", "routes probed (from every service's OpenAPI document)"),
    ("isolation", "probes", "isolation probes (foreign token × route × method)"),
    ("isolation", "foreign_reference_probes", "foreign-reference probes (another's id in body or query)"),
    ("isolation", "leaks", "leaks (an answer other than 403/404)"),
    ("two_schools", "probes", "isolation probes by a two-school teacher (token of one school × the other's objects)"),
    ("two_schools", "foreign_reference_probes", "their foreign-reference probes"),
    ("two_schools", "leaks", "their leaks"),
    ("fuzz", "cases", "fuzz cases (schemathesis, through the gateway)"),
    ("fuzz", "server_errors", "5xx answers"),
    ("fuzz", "schema_violations", "responses breaking their own schema"),
    ("abuse", "cases", "sign-in abuse cases"),
    ("abuse", "passed", "sign-in abuse cases holding"),
    ("concurrency", "cases", "interleavings run"),
    ("concurrency", "consistent", "interleavings ending in one consistent state"),
    ("tamper", "cases", "audit tamper cases"),
    ("tamper", "caught", "audit tamper cases caught by verify"),
)


def record(section: str, **figures: int) -> None:
    """Add ``figures`` (counts) to ``section`` of the report; safe across processes."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with open(FIGURES.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = load()
        bucket = data.setdefault(section, {})
        for name, value in figures.items():
            bucket[name] = int(bucket.get(name, 0)) + int(value)
        FIGURES.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")


def load() -> dict[str, dict[str, Any]]:
    """The figures recorded so far (empty before any trust test ran)."""
    try:
        return json.loads(FIGURES.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def reset() -> None:
    """Forget earlier runs' figures (called once at the start of a pytest session)."""
    FIGURES.unlink(missing_ok=True)


def report() -> str:
    """The report as text, one figure a line."""
    data = load()
    if not data:
        return "Trust report: no trust test has run (./dev test tests/trust)."
    width = max(len(text) for _, _, text in LINES)
    out = ["Trust report (tests/trust)"]
    for section, name, text in LINES:
        value = data.get(section, {}).get(name)
        out.append(f"  {text:<{width}}  {'-' if value is None else value}")
    return "\n".join(out)


if __name__ == "__main__":
    print(report())
    sys.exit(0)
