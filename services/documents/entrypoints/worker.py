"""Worker process of the documents service: ``python -m services.documents.entrypoints.worker``.

Runs the outbox relay (publishes version, lock and export events) and the consumers:
school onboarding (folder tree), renditions (LibreOffice) and exports.
"""
from __future__ import annotations

import signal
import threading

from services.kernel.jsonlog import configure_logging

from ..bootstrap import bootstrap


def main() -> None:
    container = bootstrap()
    configure_logging("documents-worker", level=container.settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    targets = [w.run for w in container.workers()] + [container.relay().run]
    threads = [threading.Thread(target=t, args=(stop,), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(timeout=5)


if __name__ == "__main__":
    main()
