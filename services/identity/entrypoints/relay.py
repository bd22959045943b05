"""Outbox relay process of the identity service: ``python -m services.identity.entrypoints.relay``.

Publishes the events written in identity's documents (schools, people, memberships,
delegations) to ``hoso.events``; in all-in-one mode run ``container.relay().run(stop)`` in a thread.
"""
from __future__ import annotations

import signal
import threading

from services.kernel.jsonlog import configure_logging

from ..bootstrap import bootstrap


def main() -> None:
    container = bootstrap()
    configure_logging("identity-relay", level=container.settings.log_level, json_format=container.settings.log_json)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    container.relay().run(stop)


if __name__ == "__main__":
    main()
