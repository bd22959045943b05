"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts as a file.

Local production mode points ``HOSO_IDENTITY_SMTP_HOST``/``_PORT`` and
``HOSO_NOTIFICATIONS_SMTP_HOST``/``_PORT`` at it: the services speak SMTP over TCP as they would to
a district's relay, and each accepted message lands in ``--maildir`` as ``<n>.eml``, where a person
trying production mode (or a test) can read it. What it does not prove: TLS, authentication,
delivery beyond the relay.

    python -m infra.standins.smtp --port 8025 --maildir var/mail
"""
from __future__ import annotations

import argparse
import itertools
import signal
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MaildirHandler:
    """aiosmtpd handler writing each message's raw bytes to ``<folder>/<n>.eml``."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            path = self._folder / f"{next(self._numbers):06d}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.replace(path)
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.standins.smtp", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    args = parser.parse_args(argv)
    folder = Path(args.maildir)
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(MaildirHandler(folder), hostname=args.host, port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
