"""The production tier: browser scenarios against the platform in production mode on this machine.

The platform is ``infra.local_cluster.start_cluster()``, started once per session: every service
under gunicorn (2 workers) with its outbox relay and consumers, the gateway, one shared
MongoDB-wire database, the real RabbitMQ (a fresh virtual host), S3 over HTTP, an RFC 3161 TSA
over HTTP and an SMTP server, the demo district seeded by one-shot processes. The browser fixtures
are the e2e tier's own (``tests/e2e/conftest.py``), so each scenario file there runs here unchanged.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import (  # noqa: F401 - fixtures pytest finds by name
    authenticator, base_url, browser, capture, new_page, production_platform, sign_in, type_login,
)


@pytest.fixture(scope="session")
def platform() -> Iterator[object]:
    """The production-mode platform (replaces the e2e tier's all-in-one one)."""
    yield from production_platform()
