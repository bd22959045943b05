"""Token-bucket rate limits, per signed-in user and per client address.

Buckets live in the memory of one gateway process. Production runs a few gateway replicas
with a few workers each, so the effective limit is up to (replicas × workers) times the
configured one: it stops floods and brute force, not a precise quota. A shared limit would
need a shared store (e.g. Redis), which the platform does not otherwise run.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBuckets:
    """One bucket per key: ``burst`` tokens, refilled at ``rate`` tokens per second."""

    def __init__(
        self,
        *,
        rate: float,
        burst: int,
        max_keys: int = 100_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._max_keys = max_keys
        self._monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token of ``key``'s bucket: 0.0 when allowed, else seconds until one is back."""
        now = self._monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (self._burst, now))
            tokens = min(self._burst, tokens + (now - stamp) * self._rate)
            if tokens >= 1.0:
                if len(self._buckets) >= self._max_keys and key not in self._buckets:
                    self._forget_full(now)
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self._rate

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled completely: they behave exactly like absent ones."""
        full = [k for k, (t, s) in self._buckets.items() if t + (now - s) * self._rate >= self._burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self._max_keys:
            # all recently active: forget the oldest half rather than grow without bound
            oldest = sorted(self._buckets, key=lambda k: self._buckets[k][1])[: self._max_keys // 2]
            for key in oldest:
                del self._buckets[key]


def retry_after_header(wait: float) -> str:
    """The ``Retry-After`` value (whole seconds, at least 1) for a wait of ``wait`` seconds."""
    return str(max(1, math.ceil(wait)))
