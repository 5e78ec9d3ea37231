"""Idle detection from input observations (pure: time is a parameter).

A person is idle once ``threshold_seconds`` pass without input, and active again at the
next input. As ActivityWatch's AFK watcher does, an idle stretch is counted from the last
input before it (the threshold only decides that the stretch was idle) to the input that
ends it, or to the latest observation while it lasts.
"""

from __future__ import annotations

import math

# The default of the ``idle_threshold_seconds`` policy (storage.policies); a test keeps
# the two equal. Not imported from there: that module pulls in SQLAlchemy.
DEFAULT_IDLE_THRESHOLD_SECONDS = 300.0


class IdleTracker:
    """Tracks idle state and idle seconds from ``observe(now, had_input)`` calls.

    The first observation is the reference: a collector that starts and sees no input is
    idle ``threshold_seconds`` later. Observations must use one monotonic clock; a time
    earlier than the previous one is treated as the previous one.
    """

    def __init__(self, threshold_seconds: float = DEFAULT_IDLE_THRESHOLD_SECONDS) -> None:
        if not isinstance(threshold_seconds, int | float) or isinstance(threshold_seconds, bool):
            raise ValueError("threshold_seconds must be a number of seconds")
        if not math.isfinite(threshold_seconds) or threshold_seconds <= 0:
            raise ValueError(f"threshold_seconds must be positive, got {threshold_seconds}")
        self.threshold_seconds = float(threshold_seconds)
        self._last_input: float | None = None
        self._last_seen: float | None = None
        self._idle = False
        self._closed_idle_seconds = 0.0

    def observe(self, now_monotonic: float, had_input: bool) -> bool:
        """Record whether there was input up to ``now_monotonic``; return whether idle."""
        now = now_monotonic
        if self._last_seen is not None:
            now = max(now, self._last_seen)
        if self._last_input is None:
            self._last_input = now
        if had_input:
            if self._idle:
                self._closed_idle_seconds += now - self._last_input
            self._idle = False
            self._last_input = now
        else:
            self._idle = now - self._last_input >= self.threshold_seconds
        self._last_seen = now
        return self._idle

    @property
    def is_idle(self) -> bool:
        """The state returned by the latest ``observe``."""
        return self._idle

    @property
    def idle_since(self) -> float | None:
        """When the current idle stretch began (the last input), or None while active."""
        return self._last_input if self._idle else None

    @property
    def idle_seconds(self) -> float:
        """Total seconds of idle stretches so far, the current one up to the latest observation."""
        if self._idle and self._last_input is not None and self._last_seen is not None:
            return self._closed_idle_seconds + (self._last_seen - self._last_input)
        return self._closed_idle_seconds
