"""Consumer process of the approvals service: ``python -m services.approvals.entrypoints.consumer``.

Runs the identity projection (schools and memberships) and the progress projection, each
an idempotent consumer on its own queue, plus the outbox relay, until SIGTERM.
"""
from __future__ import annotations

import signal
import threading

from services.kernel.jsonlog import configure_logging

from ..bootstrap import bootstrap


def main() -> None:
    container = bootstrap()
    configure_logging("approvals-consumer", level=container.settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=w.run, args=(stop,), name=w.queue.name, daemon=True)
               for w in container.workers()]
    threads.append(threading.Thread(target=container.relay.run, args=(stop,), name="relay", daemon=True))
    for t in threads:
        t.start()
    stop.wait()
    for t in threads:
        t.join(timeout=5)


if __name__ == "__main__":
    main()
