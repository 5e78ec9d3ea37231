"""Per-second samples in, minute rows and application spans out: pure, time passed in.

Once a second the sampler hands over what happened in that second: the input counts and
the active window after the privacy filter. The sessionizer turns that stream into

- **minute rows**, one per 60-second UTC epoch minute: ``tracked_seconds`` (seconds
  sampled, i.e. the collector ran unpaused: work time), ``active_seconds`` (seconds with
  any input) and the four counts. Rows come out as deltas since the previous ``take``;
  their sum per minute is the minute's row. A minute is reported ``closed`` once no
  sample of this run can fall into it any more.
- **application spans**, merged by heartbeat as ActivityWatch does: a sample of the same
  (app, title, site) within ``pulse_seconds`` of the open span's end extends it. Spans
  come out in their latest state, the open one as of its last sample; a span is
  identified by its start, so a later report of the same start replaces the earlier one.
- **idle spans** (app ``IDLE_APP``): after ``idle_threshold`` seconds without input the
  stretch since the last input is idle, retroactively, as ActivityWatch's AFK watcher
  records it. The open window span is cut where idleness began (or, if it began after
  that, becomes the idle span under the same start). Idle spans are ordinary span rows,
  so the employee reviews them beside their applications; minute rows go on during idle
  time with ``active_seconds`` 0, so idle time is tracked time with no activity.

A gap longer than ``pulse_seconds`` between samples (pause, suspend, a stalled loop) ends
every open span; time in such a gap is neither tracked nor idle. Spans never overlap and
never cover more than the time from the first sample to the last.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from activity.window import WindowInfo
from collector.sources.base import InputCounts
from storage.rollups import IDLE_APP  # one name for idle time, shared with the rollups

DEFAULT_PULSE_SECONDS = 5


@dataclass(frozen=True)
class Sample:
    """One second of capture: epoch second ``ts``, its input, its filtered window."""

    ts: int
    counts: InputCounts
    window: WindowInfo | None


@dataclass(frozen=True)
class MinuteRow:
    """Activity of one epoch minute (or a delta of it), never which key was pressed."""

    minute: int
    tracked_seconds: int
    active_seconds: int
    key_presses: int
    mouse_clicks: int
    mouse_moves: int
    scrolls: int
    closed: bool = False


@dataclass(frozen=True)
class Span:
    """Time ``[start_ts, end_ts)`` in one window, or idle; titles are plaintext here only."""

    start_ts: int
    end_ts: int
    app: str
    title: str | None
    site: str | None
    closed: bool = False

    def __repr__(self) -> str:
        # Why: a span in a failing assertion or a log line must not show its title.
        return f"Span({self.start_ts}-{self.end_ts}, app={self.app!r}, closed={self.closed})"

    @property
    def idle(self) -> bool:
        """True for an idle stretch."""
        return self.app == IDLE_APP

    def same_window(self, window: WindowInfo) -> bool:
        """True if ``window`` continues this span (same app, title and site)."""
        return (self.app, self.title, self.site) == (window.app, window.title, window.site)


@dataclass(frozen=True)
class Batch:
    """What changed since the previous ``take``: minute deltas and spans in latest state."""

    minutes: tuple[MinuteRow, ...]
    spans: tuple[Span, ...]


class Sessionizer:
    """Turns samples into minute deltas and heartbeat-merged spans; holds no clock."""

    def __init__(self, idle_threshold: int, pulse_seconds: int = DEFAULT_PULSE_SECONDS) -> None:
        if idle_threshold < 1 or pulse_seconds < 1:
            raise ValueError("idle_threshold and pulse_seconds must be positive seconds")
        self.idle_threshold = idle_threshold
        self._pulse = pulse_seconds
        self._minutes: dict[int, list[int]] = {}
        self._changed: dict[int, Span] = {}
        self._open: Span | None = None
        self._floor = 0  # end of the last closed span: nothing new may start before it
        self._last_ts: int | None = None
        self._last_active = False
        self._last_input = 0
        self._open_minute: int | None = None
        self._broken = True  # the next sample starts a new stretch

    @property
    def idle(self) -> bool:
        """True while the person is idle (the open span is an idle one)."""
        return self._open is not None and self._open.idle

    def add(self, sample: Sample) -> None:
        """Account for one sample; a second already seen is folded into the last one."""
        if self._last_ts is not None and sample.ts <= self._last_ts:
            # The loop ran late or the clock stepped back: never count a second twice.
            self._count(self._last_ts, sample.counts, new_second=False)
            if sample.counts.any:
                self._last_input = self._last_ts
            return
        ts = sample.ts
        if self._broken or (self._last_ts is not None and ts - self._last_ts > self._pulse):
            self._close_open()
            self._last_input = ts - 1  # a new stretch starts as if input had just happened
            self._broken = False
        self._count(ts, sample.counts, new_second=True)
        self._last_ts = ts
        if sample.counts.any:
            self._last_input = ts
        if ts - self._last_input >= self.idle_threshold:
            self._extend_idle(ts)
        else:
            self._heartbeat(ts, sample.window)

    def pause(self) -> None:
        """End the open span and minute: samples after this start a new stretch."""
        self._close_open()
        self._broken = True
        if self._open_minute is not None:
            self._minutes.setdefault(self._open_minute, [0] * 6)  # reported closed at take
        self._open_minute = None

    def take(self, now: float) -> Batch:
        """Return and forget what changed; spans silent for over a pulse at ``now`` close."""
        if (
            not self._broken
            and self._last_ts is not None
            and now >= self._last_ts + self._pulse + 1
        ):
            self.pause()
        minutes = self._take_minutes()
        if self._open is not None:
            self._changed[self._open.start_ts] = self._open
        spans = tuple(sorted(self._changed.values(), key=lambda span: span.start_ts))
        self._changed = {}
        return Batch(minutes, spans)

    def _count(self, ts: int, counts: InputCounts, *, new_second: bool) -> None:
        minute = ts - ts % 60
        if self._open_minute is not None and minute != self._open_minute:
            self._minutes.setdefault(self._open_minute, [0] * 6)  # reported closed at take
        self._open_minute = minute
        acc = self._minutes.setdefault(minute, [0] * 6)
        newly_active = counts.any and (new_second or not self._last_active)
        acc[0] += int(new_second)
        acc[1] += int(newly_active)
        acc[2] += counts.key_presses
        acc[3] += counts.mouse_clicks
        acc[4] += counts.mouse_moves
        acc[5] += counts.scrolls
        self._last_active = counts.any or (self._last_active and not new_second)

    def _take_minutes(self) -> tuple[MinuteRow, ...]:
        rows = tuple(
            MinuteRow(minute, acc[0], acc[1], acc[2], acc[3], acc[4], acc[5])
            for minute, acc in sorted(self._minutes.items())
        )
        rows = tuple(replace(row, closed=row.minute != self._open_minute) for row in rows)
        self._minutes = {}
        return rows

    def _heartbeat(self, ts: int, window: WindowInfo | None) -> None:
        current = self._open
        if window is None:
            self._close_open()
        elif current is not None and not current.idle and current.same_window(window):
            self._open = replace(current, end_ts=ts + 1)
        else:
            self._close_open()
            self._open = Span(ts, ts + 1, window.app, window.title, window.site)

    def _extend_idle(self, ts: int) -> None:
        current = self._open
        if current is not None and current.idle:
            self._open = replace(current, end_ts=ts + 1)
            return
        start = max(self._last_input + 1, self._floor)
        if current is not None and start <= current.start_ts:
            start = current.start_ts  # the window span turns idle under the same key
        elif current is not None:
            self._open = replace(current, end_ts=min(current.end_ts, start))
            self._close_open()
        self._open = Span(start, ts + 1, IDLE_APP, None, None)

    def _close_open(self) -> None:
        if self._open is None:
            return
        closed = replace(self._open, closed=True)
        self._changed[closed.start_ts] = closed
        self._floor = closed.end_ts
        self._open = None
