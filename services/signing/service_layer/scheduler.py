"""Fair scheduling of signing work: schools take turns on the batch threads.

Work is queued per key (the school); idle threads take the next task round-robin across
keys, and one key never holds more than ``per_key`` threads (default: all but one), so a
school with many (or long) batches always leaves a thread for another school's batch.
Nothing here ever waits for a person: a batch waiting on a phone or a token is a state in
the database, not a task (see ``SigningService.poll_remote``).
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from concurrent.futures import Executor
from typing import Any, Callable, Protocol

log = logging.getLogger(__name__)


class TaskRunner(Protocol):
    """Runs ``fn(*args)`` in the background on behalf of ``key``."""

    def submit(self, key: str, fn: Callable[..., Any], *args: Any) -> None: ...


class ExecutorRunner:
    """A plain :class:`~concurrent.futures.Executor` as a runner (tests run work inline with it)."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    def submit(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        self._executor.submit(fn, *args)


class FairScheduler:
    """``threads`` workers, round-robin across keys; threads start on the first task (never before a fork)."""

    def __init__(self, threads: int, *, per_key: int | None = None, name: str = "signing-batch") -> None:
        self._threads = max(1, threads)
        self._per_key = per_key if per_key is not None else max(1, self._threads - 1)
        self._name = name
        self._queues: OrderedDict[str, deque[tuple[Callable[..., Any], tuple[Any, ...]]]] = OrderedDict()
        self._running: dict[str, int] = {}
        self._cond = threading.Condition()
        self._workers: list[threading.Thread] = []
        self._stopped = False

    def submit(self, key: str, fn: Callable[..., Any], *args: Any) -> None:
        with self._cond:
            if self._stopped:
                raise RuntimeError("scheduler is shut down")
            self._queues.setdefault(key, deque()).append((fn, args))
            while len(self._workers) < self._threads:
                worker = threading.Thread(target=self._work, name=f"{self._name}-{len(self._workers)}", daemon=True)
                self._workers.append(worker)
                worker.start()
            self._cond.notify()

    def _take(self) -> tuple[str, Callable[..., Any], tuple[Any, ...]] | None:
        """The next task, round-robin over schools; a school at its cap waits (a thread stays free for others)."""
        key = next((k for k, q in self._queues.items() if q and self._running.get(k, 0) < self._per_key), None)
        if key is None:
            return None
        fn, args = self._queues[key].popleft()
        self._queues.move_to_end(key)  # this school goes to the back of the line
        if not self._queues[key]:
            del self._queues[key]
        self._running[key] = self._running.get(key, 0) + 1
        return key, fn, args

    def _work(self) -> None:
        while True:
            with self._cond:
                task = self._take()
                while task is None:
                    if self._stopped:
                        return
                    self._cond.wait()
                    task = self._take()
            key, fn, args = task
            try:
                fn(*args)
            except Exception:
                log.exception("signing task for %s failed", key)
            finally:
                with self._cond:
                    self._running[key] -= 1
                    if not self._running[key]:
                        del self._running[key]
                    self._cond.notify_all()

    def shutdown(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
