"""The per-second capture step: input, window, privacy filter, sessionizer, screenshots.

``Sampler.tick`` runs once a second on the collector's main thread; ``flush`` (every
few seconds) seals the titles of changed spans to the person's public key and writes
minute deltas and spans to the spool in one transaction. Plaintext titles live only in
memory, between the window source and the sealer.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from activity.privacy_filter import apply_privacy_rules
from activity.records import clip_title
from collector.pipeline.pause import PauseFlag
from collector.pipeline.schedule import next_shot_at
from collector.pipeline.sessionizer import Batch, Sample, Sessionizer, Span
from collector.pipeline.watcher import Directive
from collector.sources.base import (
    ActiveWindowSource,
    InputCounts,
    ScreenRect,
    VisibleWindowSource,
)
from collector.sources.screenshot import SealedImage
from collector.spool.device import DeviceIdentity
from collector.spool.files import ScreenshotName
from collector.spool.records import SealedSpan
from collector.spool.store import Spool
from storage.crypto.envelope import Sealer
from storage.objects.keys import screenshot_key

BLUR_RADIUS = 12.0  # pixels of the downscaled image: text is unreadable, layout stays
_MAX_TIMINGS = 10_000


class Counter(Protocol):
    """Input counts since the previous call."""

    def take(self) -> InputCounts:
        """Return and reset the counts."""
        ...


class Shooter(Protocol):
    """Screenshots sealed in memory."""

    blur_radius: float

    def capture_sealed(
        self, sealer: Sealer, object_id: str, masks: Sequence[ScreenRect] = ()
    ) -> SealedImage:
        """Grab, black out ``masks``, encode and seal one screenshot."""
        ...


@dataclass
class Totals:
    """What one run captured, for its summary."""

    seconds_tracked: int = 0
    seconds_active: int = 0
    seconds_paused: int = 0
    key_presses: int = 0
    mouse_clicks: int = 0
    mouse_moves: int = 0
    scrolls: int = 0
    screenshots: int = 0
    screenshot_ms: list[float] = field(default_factory=list)
    screenshot_cpu_ms: list[float] = field(default_factory=list)
    screenshot_sync_ms: list[float] = field(default_factory=list)
    span_starts: set[int] = field(default_factory=set)

    def add(self, counts: InputCounts) -> None:
        """Count one sampled second."""
        self.seconds_tracked += 1
        self.seconds_active += int(counts.any)
        self.key_presses += counts.key_presses
        self.mouse_clicks += counts.mouse_clicks
        self.mouse_moves += counts.mouse_moves
        self.scrolls += counts.scrolls

    def screenshot_stats(self) -> tuple[float, float]:
        """Median and 95th percentile of the screenshot pipeline time, in ms (0 if none)."""
        return median_p95(self.screenshot_ms)

    def screenshot_cpu_stats(self) -> tuple[float, float]:
        """Median and p95 of the CPU time the capture thread spent on a screenshot, in ms.

        Unlike the wall time, it does not grow with the machine's load (nor include the
        X server's share of the grab).
        """
        return median_p95(self.screenshot_cpu_ms)

    def screenshot_sync_stats(self) -> tuple[float, float]:
        """Median and 95th percentile of a screenshot's share of the flush's fsyncs, in ms."""
        return median_p95(self.screenshot_sync_ms)

    def screenshot_total_stats(self) -> tuple[float, float]:
        """Median and p95 of pipeline plus fsync share per screenshot: its whole cost."""
        # Not strict: a screenshot staged when a flush failed has no sync time, no total.
        pairs = zip(self.screenshot_ms, self.screenshot_sync_ms, strict=False)
        return median_p95([capture + sync for capture, sync in pairs])


def median_p95(times_ms: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank) of ``times_ms``; (0, 0) when empty."""
    times = sorted(times_ms)
    if not times:
        return 0.0, 0.0
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95


class Sampler:
    """Captures one second at a time and writes the spool every flush."""

    def __init__(
        self,
        *,
        counter: Counter,
        window: ActiveWindowSource,
        shooter: Shooter | None,
        spool: Spool,
        identity: DeviceIdentity,
        directive: Callable[[], Directive],
        pause: PauseFlag,
        pulse_seconds: int,
        rng: random.Random | None = None,
    ) -> None:
        self._counter, self._window, self._shooter = counter, window, shooter
        self._spool, self._identity, self._directive = spool, identity, directive
        self._pause = pause
        self._rng = rng or random.Random()
        self.sessionizer = Sessionizer(directive().idle_threshold, pulse_seconds)
        self.totals = Totals()
        self._paused = False
        self._blocked = False
        self._next_shot: float | None = None
        self._sealer: tuple[str, Sealer] | None = None
        self._titles: dict[int, tuple[str, bytes]] = {}

    def tick(self, now: float) -> None:
        """Sample the second ending at ``now`` (epoch seconds)."""
        directive = self._directive()
        counts = self._counter.take()
        if directive.paused or self._pause.is_set():
            # Input during a pause is dropped unseen: paused time is not captured at all.
            if not self._paused:
                self.sessionizer.pause()
            self._paused = True
            self.totals.seconds_paused += 1
            return
        self._paused = False
        self.sessionizer.idle_threshold = directive.idle_threshold
        self.totals.add(counts)
        raw = self._window.current()
        window = None
        self._blocked = False
        if raw is not None:
            filtered = apply_privacy_rules(
                raw, directive.privacy_rules, store_window_titles=directive.store_window_titles
            )
            window, self._blocked = filtered.window, filtered.blocks_screenshot
        self.sessionizer.add(Sample(int(now), counts, window))
        self._maybe_screenshot(now, directive)

    def flush(self, now: float) -> None:
        """Write what changed since the last flush to the spool (one transaction)."""
        batch = self.sessionizer.take(now)
        sealed = [self._seal_span(span) for span in batch.spans]
        self._sync_screenshots()
        self._spool.write(self._identity.person_id, self._identity.device_id, batch.minutes, sealed)
        self.totals.span_starts.update(span.start_ts for span in batch.spans)
        _forget_closed(self._titles, batch)

    def finish(self, now: float) -> None:
        """Close the open span and minute and write them."""
        self.sessionizer.pause()
        self.flush(now)

    def _sync_screenshots(self) -> None:
        """Make staged screenshots durable, timing each one's share of the fsyncs."""
        started = time.perf_counter()
        synced = self._spool.sync_screenshots()
        if synced and len(self.totals.screenshot_sync_ms) < _MAX_TIMINGS:
            share = (time.perf_counter() - started) * 1000 / synced
            self.totals.screenshot_sync_ms.extend([share] * synced)

    def _seal_span(self, span: Span) -> SealedSpan:
        title_ct = None
        if span.title is not None:
            cached = self._titles.get(span.start_ts)
            if cached is not None and cached[0] == span.title:
                title_ct = cached[1]
            else:
                object_id = f"{self._identity.pseudonym}/title"
                # Capped before sealing, so the sealed title always fits what storage accepts.
                title_ct = self._sealer_now().seal(object_id, clip_title(span.title))
                self._titles[span.start_ts] = (span.title, title_ct)
        return SealedSpan(span.start_ts, span.end_ts, span.app, span.site, title_ct, span.closed)

    def _sealer_now(self) -> Sealer:
        key = self._directive().public_key
        if self._sealer is None or self._sealer[0] != key.key_id:
            self._sealer = (key.key_id, Sealer(key.public_key, key.key_id))
        return self._sealer[1]

    def _maybe_screenshot(self, now: float, directive: Directive) -> None:
        if self._shooter is None:
            return
        interval, jitter = directive.screenshot_interval, directive.screenshot_jitter
        if self._next_shot is None:
            self._next_shot = next_shot_at(now, interval, jitter, self._rng)
        if now < self._next_shot:
            return
        self._next_shot = next_shot_at(now, interval, jitter, self._rng)
        # Why skip: a blocked (private) window must not be pictured, an idle screen shows
        # nothing about work, and a restricted person's data may only be stored (GDPR
        # Art. 18), which new screenshots would not serve: see ``Directive``.
        if self._blocked or self.sessionizer.idle or not directive.screenshots_allowed:
            return
        masks = self._privacy_masks(directive)
        if masks is None:
            return
        self._take_screenshot(int(now), directive.screenshot_blur, masks)

    def _privacy_masks(self, directive: Directive) -> list[ScreenRect] | None:
        """The areas of visible windows a privacy rule matches; None: skip the shot.

        Why every window, not just the active one: a banking window beside the one being
        typed in, or on another monitor, is in the picture too. When the window list
        cannot be read, nobody knows what is on screen, so no shot is taken.
        """
        if not directive.privacy_rules or not isinstance(self._window, VisibleWindowSource):
            return []
        windows = self._window.visible_windows()
        if windows is None:
            return None
        rules = directive.privacy_rules
        return [
            shown.area
            for shown in windows
            if apply_privacy_rules(shown.window, rules).blocks_screenshot
        ]

    def _take_screenshot(self, taken_at: int, blur: bool, masks: Sequence[ScreenRect]) -> None:
        assert self._shooter is not None
        started, started_cpu = time.perf_counter(), time.thread_time()
        ident = self._identity
        self._shooter.blur_radius = BLUR_RADIUS if blur else 0.0
        object_id = screenshot_key(ident.pseudonym, taken_at, ident.device_id)
        image = self._shooter.capture_sealed(self._sealer_now(), object_id, masks)
        name = ScreenshotName(
            ident.person_id, ident.device_id, taken_at, image.width, image.height, blur
        )
        # Staged, not yet durable: the next flush fsyncs it and lists it in the spool.
        self._spool.stage_screenshot(name, image.envelope)
        self.totals.screenshots += 1
        if len(self.totals.screenshot_ms) < _MAX_TIMINGS:
            self.totals.screenshot_ms.append((time.perf_counter() - started) * 1000)
            self.totals.screenshot_cpu_ms.append((time.thread_time() - started_cpu) * 1000)


def _forget_closed(titles: dict[int, tuple[str, bytes]], batch: Batch) -> None:
    for span in batch.spans:
        if span.closed:
            titles.pop(span.start_ts, None)
