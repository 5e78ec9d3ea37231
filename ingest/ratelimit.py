"""A token bucket per device: ``rate`` requests a second on average, bursts up to ``burst``.

Time is a parameter (``now``), so tests never mock the clock.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Per-key token buckets; ``take`` returns 0 when allowed, else seconds to wait."""

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate limit needs rate > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: int, now: float) -> float:
        """Spend one token of ``key``'s bucket; return 0, or the wait until one is there."""
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate


def retry_after_header(wait: float) -> str:
    """The ``Retry-After`` value for ``wait`` seconds: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


class InFlight:
    """At most ``limit`` requests of one key (a device) in progress at once.

    The token bucket bounds a device's rate, not what it holds open: a few slow bodies
    would otherwise pin the service's workers while other people's devices wait.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the in-flight limit must be at least 1")
        self.limit = limit
        self._counts: dict[int, int] = {}
        self._lock = threading.Lock()

    def enter(self, key: int) -> bool:
        """Take a slot of ``key``; False (nothing taken) when all its slots are busy."""
        with self._lock:
            held = self._counts.get(key, 0)
            if held >= self.limit:
                return False
            self._counts[key] = held + 1
            return True

    def leave(self, key: int) -> None:
        """Give back a slot ``enter`` took."""
        with self._lock:
            held = self._counts.get(key, 0) - 1
            if held > 0:
                self._counts[key] = held
            else:
                self._counts.pop(key, None)  # idle devices cost no memory
