"""Fixtures shared by every test: the real broker (never skipped) and a real token issuer."""
from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

from services.kernel.testing import TokenFactory
from tests import wire
from tests.wire import _wire_admin, _wire_database, wire_server  # noqa: F401  (the wire pass: every test's database over WIRE_MONGO_URI)

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """The real RabbitMQ; an unreachable broker fails the test (CI must not skip it)."""
    url = os.environ.get("AMQP_URL") or DEFAULT_AMQP
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5672), timeout=3):
            pass
    except OSError as exc:
        pytest.fail(f"RabbitMQ is not reachable at {parsed.hostname}:{parsed.port or 5672} ({exc}); integration tests need it")
    return url


@pytest.fixture
def tokens() -> TokenFactory:
    return TokenFactory()


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run starts the trust report afresh unless it adds to one (TRUST_REPORT_APPEND=1)."""
    if not os.environ.get("TRUST_REPORT_APPEND") and not hasattr(session.config, "workerinput"):
        from tests.trust.figures import reset

        reset()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A shard of a sharded wire pass keeps its own test files (``tests.wire.keep_shard``)."""
    wire.keep_shard(config, items)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """The wire pass notes each failure as it happens (a long pass shows them before its end)."""
    wire.record_outcome(report)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the wire pass's figures (commands, unindexed queries), the trust report and the fault report when their tests ran."""
    from tests.faults.report import load as load_faults, report as fault_report
    from tests.trust.figures import load, report

    for line in wire.summary():
        terminalreporter.write_line(line)
    if load():
        terminalreporter.write_line("")
        terminalreporter.write_line(report())
    ran_faults = any(getattr(r, "nodeid", "").startswith("tests/faults/test_faults.py")
                     for reports in terminalreporter.stats.values() for r in reports)
    if ran_faults and load_faults():
        terminalreporter.write_line("")
        terminalreporter.write_line(fault_report())
