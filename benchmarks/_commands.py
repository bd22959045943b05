"""Database commands counted over the wire with pymongo's command monitoring.

A ``CommandCounter`` is registered before the platform's clients exist (``pymongo.monitoring``
listeners are picked up when a ``MongoClient`` is built) and counts every command whose issuing
thread's name starts with one of ``threads``: pymongo calls the listener in the thread that sends
the command, so the web server's request threads (waitress names them ``waitress-N``) are told
apart from relays, consumers and periodic jobs, whose commands belong to no request.
"""
from __future__ import annotations

import threading
from collections import Counter

from pymongo import monitoring


class CommandCounter(monitoring.CommandListener):
    """How many commands request threads sent, in total and by command name."""

    def __init__(self, *, threads: tuple[str, ...] = ("waitress-",)) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        self.by_name: Counter[str] = Counter()

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.by_name.values())

    def names(self) -> Counter[str]:
        """A copy of the counts by command name (``find``, ``update``, ``aggregate``…)."""
        with self._lock:
            return Counter(self.by_name)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if threading.current_thread().name.startswith(self._threads):
            with self._lock:
                self.by_name[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Counted when it started."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Counted when it started."""


def install_counter() -> CommandCounter:
    """A counter registered for every MongoClient built from now on in this process."""
    counter = CommandCounter()
    monitoring.register(counter)
    return counter
