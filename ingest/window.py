"""What one request may claim about time: a window around the server's clock, a span cap.

A hostile device (or one whose clock is wrong) could otherwise write minutes years away,
or one span from 2020 to 2100 that every rollup and purge would then have to walk. Each
time a device sends must lie within ``back_days`` before and ``ahead_minutes`` after the
server's clock (policies ``ingest_window_back_days`` and ``ingest_window_ahead_minutes``),
and a span lasts at most ``MAX_SPAN_SECONDS``. Times are judged in server time: a device's
time plus the offset of its clock that the service measured on the request
(``ingest.clock``), so the window of device times lies around the device's own clock. Pure:
the clock is a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingest.errors import BadRequest

DEFAULT_BACK_DAYS = 7
DEFAULT_AHEAD_MINUTES = 5
MAX_SPAN_SECONDS = 24 * 3600  # the sessionizer splits spans long before a day


@dataclass(frozen=True)
class Window:
    """The epoch seconds a device may write: ``earliest`` to ``latest``, both included."""

    earliest: int
    latest: int

    def check(self, value: int, what: str) -> None:
        """BadRequest naming ``what`` unless ``value`` lies within the window."""
        if value < self.earliest:
            raise BadRequest(f"{what} is older than the service accepts; check the device's clock")
        if value > self.latest:
            raise BadRequest(f"{what} is in the future of the service's clock; check the clock")

    def check_span(self, start: int, end: int) -> None:
        """BadRequest unless the span lies within the window and lasts at most a day."""
        if end - start > MAX_SPAN_SECONDS:
            raise BadRequest(f"a span lasts at most {MAX_SPAN_SECONDS} seconds; split it")
        self.check(start, "span field 'start_ts'")
        self.check(end, "span field 'end_ts'")


def window_at(now: float, back_days: int, ahead_minutes: int) -> Window:
    """The window around ``now`` (epoch seconds)."""
    return Window(int(now) - back_days * 86400, int(now) + ahead_minutes * 60)


def window_from(policies: Mapping[str, Any], now: float, offset: int = 0) -> Window:
    """The device times the policies accept at server time ``now`` (defaults for missing values).

    ``offset`` is the device clock's (server minus device seconds): a device time ``t`` is
    judged as ``t + offset``, so the window is the policies' window around ``now - offset``.
    """
    back = int(policies.get("ingest_window_back_days", DEFAULT_BACK_DAYS))
    ahead = int(policies.get("ingest_window_ahead_minutes", DEFAULT_AHEAD_MINUTES))
    return window_at(now - offset, back, ahead)
