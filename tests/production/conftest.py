"""The production tier: browser scenarios against the platform in production mode on this machine.

The platform is ``infra.local_cluster.start_cluster()``, started once per session: every service
under gunicorn (2 workers) with its outbox relay and consumers, the gateway, one shared
MongoDB-wire database, the real RabbitMQ (a fresh virtual host), S3 over HTTP, an RFC 3161 TSA
over HTTP and an SMTP server, the demo district seeded by one-shot processes. The browser fixtures
are the e2e tier's own (``tests/e2e/conftest.py``), so each scenario file there runs here unchanged.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import (  # noqa: F401 - fixtures pytest finds by name
    ROOT, authenticator, base_url, browser, capture, new_page, sign_in, type_login,
)

CLUSTER_DIR = ROOT / "test-artifacts" / "production-cluster"
"""The session's database, mail and per-process logs, kept after the run for inspection (CI artifact)."""


@pytest.fixture(scope="session")
def platform() -> Iterator[object]:
    """The production-mode platform (replaces the e2e tier's all-in-one one); prints its start-up time."""
    from infra.local_cluster import start_cluster

    shutil.rmtree(CLUSTER_DIR, ignore_errors=True)
    began = time.monotonic()
    with start_cluster(public_host="localhost", data_dir=CLUSTER_DIR) as cluster:
        print(f"\n[production] cluster ready in {time.monotonic() - began:.0f} s; logs in {CLUSTER_DIR / 'logs'}")
        yield cluster

