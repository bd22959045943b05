"""Consumer process of the signing service: ``python -m services.signing.entrypoints.consumer``.

Projects ``approvals.submission.recalled`` onto signed documents (verification shows the recall).
"""
from __future__ import annotations

import signal
import threading

from services.kernel.jsonlog import configure_logging

from ..bootstrap import bootstrap


def main() -> None:
    container = bootstrap()
    configure_logging("signing-consumer", level=container.settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in container.workers()]
    for t in threads:
        t.start()
    stop.wait()
    for t in threads:
        t.join(timeout=5)


if __name__ == "__main__":
    main()
