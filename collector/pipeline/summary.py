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
    """What a run did. ``seconds_tracked`` is work time (unpaused); counts are totals.

    Screenshot timings: ``screenshot_ms`` is the capture thread's pipeline (grab,
    downscale, encode, seal, write to a temp file), ``screenshot_cpu_ms`` the CPU time
    of the same (load-independent); ``screenshot_sync_ms`` is each
    screenshot's share of the fsyncs and rename at the next flush; ``screenshot_total_ms``
    is their sum per screenshot, the whole cost of making it durable in the spool.
    """

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
    screenshot_cpu_ms_median: float
    screenshot_cpu_ms_p95: float
    screenshot_sync_ms_median: float
    screenshot_sync_ms_p95: float
    screenshot_total_ms_median: float
    screenshot_total_ms_p95: float

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
    capture = [round(v, 2) for v in totals.screenshot_stats()]
    cpu = [round(v, 2) for v in totals.screenshot_cpu_stats()]
    sync = [round(v, 2) for v in totals.screenshot_sync_stats()]
    total = [round(v, 2) for v in totals.screenshot_total_stats()]
    counts = {name: getattr(totals, name) for name in _TOTALS}
    return Summary(
        seconds_run=round(seconds_run, 1),
        spans=len(totals.span_starts),
        uploaded=uploaded,
        pending=pending,
        stop_reason=stop_reason,
        subject=identity.pseudonym,
        device_id=identity.device_id,
        screenshot_ms_median=capture[0],
        screenshot_ms_p95=capture[1],
        screenshot_cpu_ms_median=cpu[0],
        screenshot_cpu_ms_p95=cpu[1],
        screenshot_sync_ms_median=sync[0],
        screenshot_sync_ms_p95=sync[1],
        screenshot_total_ms_median=total[0],
        screenshot_total_ms_p95=total[1],
        **counts,
    )
