"""The summary of one run: one JSON object for scripts, one line for people."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from collector.pipeline.sampler import Totals
from collector.spool.device import DeviceIdentity

_TOTALS = (
    "seconds_tracked", "seconds_active", "seconds_paused", "key_presses",
    "mouse_clicks", "mouse_moves", "scrolls", "screenshots",
)  # fmt: skip


@dataclass(frozen=True)
class Summary:
    """What a run did. ``seconds_tracked`` is work time (unpaused); counts are totals."""

    seconds_run: float
    seconds_tracked: int
    seconds_active: int
    seconds_paused: int
    key_presses: int
    mouse_clicks: int
    mouse_moves: int
    scrolls: int
    screenshots: int
    spans: int
    uploaded: int
    pending: int
    stop_reason: str
    subject: str
    device_id: int
    screenshot_ms_median: float
    screenshot_ms_p95: float

    def to_json(self) -> str:
        """One line of JSON with stable keys."""
        return json.dumps(asdict(self), sort_keys=True)

    def human(self) -> str:
        """One short line."""
        return (
            f"collected {self.seconds_tracked} s of work ({self.seconds_active} s active): "
            f"{self.key_presses} key presses, {self.mouse_clicks} clicks, "
            f"{self.spans} spans, {self.screenshots} screenshots; "
            f"{self.uploaded} uploaded, {self.pending} pending; stopped: {self.stop_reason}"
        )


def summarise(
    totals: Totals | None,
    *,
    seconds_run: float,
    uploaded: int,
    pending: int,
    stop_reason: str,
    identity: DeviceIdentity,
) -> Summary:
    """Build the summary from a run's totals (None when nothing was captured)."""
    totals = totals or Totals()
    median, p95 = totals.screenshot_stats()
    counts = {name: getattr(totals, name) for name in _TOTALS}
    return Summary(
        seconds_run=round(seconds_run, 1),
        spans=len(totals.span_starts),
        uploaded=uploaded,
        pending=pending,
        stop_reason=stop_reason,
        subject=identity.pseudonym,
        device_id=identity.device_id,
        screenshot_ms_median=round(median, 2),
        screenshot_ms_p95=round(p95, 2),
        **counts,
    )
