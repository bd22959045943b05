"""Every consumer a service actually runs is declared by the topology, with the same queue and bindings.

Services are discovered from ``services/<svc>/bootstrap.py``, so each one is checked as it lands.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from infra.topology.consumers import CONSUMERS, queue_arguments
from services.kernel.messaging import InMemoryPublisher
from services.kernel.testing import TokenFactory

ROOT = Path(__file__).resolve().parents[3]
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/bootstrap.py"))


@pytest.mark.parametrize("service", SERVICES)
def test_the_services_workers_are_in_the_topology(service: str) -> None:
    module = importlib.import_module(f"services.{service}.bootstrap")
    container = module.bootstrap({"mode": "test"}, environ={}, verifier=TokenFactory().verifier(),
                                 publisher=InMemoryPublisher())
    declared = {c.queue: c for c in CONSUMERS}
    for worker in getattr(container, "workers", list)():
        queue = worker.queue
        assert queue.name in declared, f"{service} consumes {queue.name}, which infra/topology/consumers.py lacks"
        entry = declared[queue.name]
        assert entry.service == service
        assert sorted(b.routing_key for b in queue.bindings) == sorted(entry.bindings)
        assert queue.queue_arguments == queue_arguments(entry, quorum="x-queue-type" in queue.queue_arguments)
