"""Scheduler of the approvals service: ``python -m services.approvals.entrypoints.scheduler``.

``tick(container)`` is one pass (the overdue scans, the monthly reports, then the outbox relay) and is what tests
call with an injected clock; ``main()`` runs it every ``HOSO_APPROVALS_SCHEDULER_INTERVAL_SECONDS``.
Running two schedulers is safe: an overdue event is claimed by a conditional update, once, and
a monthly report by a unique index.
"""
from __future__ import annotations

import logging
import signal
import threading

from services.kernel.jsonlog import configure_logging

from ..bootstrap import Container, bootstrap

log = logging.getLogger(__name__)


def tick(container: Container) -> dict[str, int]:
    """One scheduler pass: overdue obligations and signatures, last month's reports, then the outbox."""
    now = container.runtime.clock.now()
    overdue = container.obligations.scan_overdue(now)
    signing = container.submissions.scan_signing_overdue(now)
    reports = container.reports.run_monthly(now)
    relayed = container.relay.relay_once()
    return {"overdue": overdue, "signing_overdue": signing, "monthly_reports": reports, "relayed": relayed}


def main() -> None:
    container = bootstrap()
    configure_logging("approvals-scheduler", level=container.settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        try:
            log.info("scheduler pass", extra={"result": tick(container)})
        except Exception:  # the database or broker is down: try again next interval
            log.warning("scheduler pass failed", exc_info=True)
        stop.wait(container.settings.scheduler_interval_seconds)


if __name__ == "__main__":
    main()
