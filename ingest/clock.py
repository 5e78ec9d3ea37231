"""The device's clock, measured at each request, so that its times are judged in server time.

Consent is judged on the server (``storage.consent``), against the moment a withdrawal or
objection took effect by the server's clock; a device stamps what it captures with its own.
A device whose clock runs 10 minutes behind would stamp a minute captured 2 minutes after the
right with a time 8 minutes before it. So each authenticated request carries the device's
clock (header ``X-Traq-Device-Clock``, epoch seconds, set as the request is sent), and the
service measures ``offset = server clock on arrival - device clock``, to the second. Transit
only makes it larger than the true offset, so ``device time + offset`` is never earlier than
the server time at which the device captured.

What the service decides (the README's ingestion section says it too):

- **The ingest window** (``ingest.window``) applies to ``device time + offset``: a device's
  times are judged in server time, so a clock 10 minutes ahead is no longer refused, and
  one 10 minutes behind cannot reach further back than the window.
- **Consent trusts an offset only in the direction that drops more.** A device claiming a
  clock behind the server's moves its times later (more of it falls after a stop: dropped);
  a device claiming a clock ahead would move its times earlier, out of the stopped interval,
  and a hostile device could claim exactly that. So against a stop its times are moved by
  ``max(offset, 0)``, and against a resume by ``min(offset, 0)``. Cost, by design: a device
  whose clock really runs ``d`` ahead loses what it captured in the last ``d`` before the
  right took effect (and in the first ``d`` after consent is given again); nothing else.
- **A clock off by more than** ``ingest_clock_max_skew_minutes`` (policy, default 60) is
  refused (400, the device's clock named): nothing about its times can be judged, and
  accepting it would let a device move the window itself.
- **A request without the header** (an older or a hostile collector): its clock is unknown.
  The window applies to its times as sent, and consent assumes the worst clock the service
  tolerates: anything within ``ingest_clock_max_skew_minutes`` of a stop (or a resume) is
  dropped. A malformed header is refused (400).

What no clock measurement catches: a device that stamps its captures earlier than it took
them (a forged stamp, or a clock set behind that it does not own up to). The collector is
trusted for its stamps; the header closes the gap of an honest wrong clock, and the one-way
rule closes the gap of a lie in the header. (Remembering each device's offset from before a
right, and judging later requests by the larger, would also catch a device that stops owning
up to a slow clock after the right: not done yet.)

Pure: the server's clock is a parameter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from activity.wire import DEVICE_CLOCK_HEADER
from ingest.errors import BadRequest
from storage.consent import Skew

DEFAULT_MAX_SKEW_MINUTES = 60


@dataclass(frozen=True)
class DeviceClock:
    """One request's measured clock: the offset for the window, the skew for consent."""

    offset: int  # server minus device, seconds (0 when the device did not say)
    skew: Skew


def max_skew_seconds(policies: Mapping[str, Any]) -> int:
    """How far a device's clock may be from the server's (policy, default an hour)."""
    return int(policies.get("ingest_clock_max_skew_minutes", DEFAULT_MAX_SKEW_MINUTES)) * 60


def device_clock(header: str | None, now: float, max_skew: int) -> DeviceClock:
    """The clock of a request whose header said ``header`` and that arrived at ``now``.

    BadRequest if the header is not epoch seconds, or is more than ``max_skew`` seconds
    from ``now``; an unknown clock (no header) when it is missing.
    """
    if header is None or not header.strip():
        return DeviceClock(0, Skew(-max_skew, max_skew))
    try:
        claimed = float(header)
    except ValueError:
        claimed = math.nan
    if not math.isfinite(claimed):
        raise BadRequest(f"header {DEVICE_CLOCK_HEADER} must be the device's clock, epoch seconds")
    offset = round(now - claimed)
    if abs(offset) > max_skew:
        side = "behind" if offset > 0 else "ahead of"
        raise BadRequest(
            f"the device's clock is {abs(offset)} s {side} the service's (at most {max_skew} s "
            "accepted); set the device's clock right"
        )
    return DeviceClock(offset, Skew(min(offset, 0), max(offset, 0)))
