"""Database commands counted per request, with pymongo's command monitoring.

One process-wide listener, ``COMMANDS``, is registered on every MongoDB client
``connect_database`` opens for a real server (``event_listeners=``). It counts each command
started (find, insert, update, aggregate, getMore…) into every scope open in the current
context: a scope is opened with ``COMMANDS.counting()`` (a context manager) or
``COMMANDS.open()`` / ``COMMANDS.close(scope)``. Scopes nest and live in a context variable,
so each thread (a gunicorn gthread worker's request, a test) counts only its own commands.

``make_service_app(db_commands_header=True)`` opens a scope per request and answers its count
in the ``X-Hoso-Db-Commands`` header (services turn it on outside production); benchmarks in
the same process read the count directly::

    with COMMANDS.counting() as scope:
        client.get("/api/v1/tasks")
    scope.total, scope.by_name   # 3, {"find": 2, "aggregate": 1}

mongomock has no command monitoring: under it nothing is counted (the count stays 0).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from pymongo import monitoring

HEADER = "X-Hoso-Db-Commands"


@dataclass(eq=False)
class CommandScope:
    """The commands started while this scope was open: their number and how many of each name."""

    by_name: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_name.values())


class CommandCounter(monitoring.CommandListener):
    """A pymongo command listener that counts started commands into the scopes open in this context."""

    def __init__(self) -> None:
        self._scopes: ContextVar[tuple[CommandScope, ...]] = ContextVar("hoso_db_command_scopes", default=())

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        for scope in self._scopes.get():
            scope.by_name[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Successes are not counted apart: a command counts once, when it starts."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Failures are not counted apart: a command counts once, when it starts."""

    def open(self) -> CommandScope:
        """Start counting into a new scope (inside any scope already open here)."""
        scope = CommandScope()
        self._scopes.set((*self._scopes.get(), scope))
        return scope

    def close(self, scope: CommandScope) -> CommandScope:
        """Stop counting into ``scope`` and return it; closing a scope twice is harmless."""
        self._scopes.set(tuple(s for s in self._scopes.get() if s is not scope))
        return scope

    @contextmanager
    def counting(self) -> Iterator[CommandScope]:
        """The commands started in this context until the block ends."""
        scope = self.open()
        try:
            yield scope
        finally:
            self.close(scope)


COMMANDS = CommandCounter()
