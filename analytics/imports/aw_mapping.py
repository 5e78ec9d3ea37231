"""ActivityWatch buckets of one host to TraqNext minute rows and spans (pure).

- ``currentwindow`` events become application spans (whole seconds; zero-length events
  dropped; an event overlapping the next is cut where the next starts).
- ``afkstatus`` events give the minute rows (every minute they touch is tracked) and their
  active seconds (the ``not-afk`` overlap); ``afk`` stretches become idle spans and cut the
  window spans, as our sessionizer does. A TraqNext export (client ``traqnext``) already
  carries its idle spans in the window bucket, so its AFK events do not cut again.
- ``web.tab.current`` events give the site of a browser span (the tab with the largest
  overlap); otherwise a ``url`` in the window event or the title gives it, as the collector
  reads it from titles.
- ``os.hid.input`` events add key presses and clicks to their minute (moves and scrolls
  count events with movement, never distances); without an AFK bucket they also give the
  active seconds, and window time gives the tracked minutes.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from activity.sites import BROWSER_APPS, site_from_title
from analytics.imports.aw_format import AwBucket, AwEvent
from storage.rollups import IDLE_APP

WINDOW, AFK, WEB, INPUT = "currentwindow", "afkstatus", "web.tab.current", "os.hid.input"
KNOWN_TYPES = (WINDOW, AFK, WEB, INPUT)
OWN_CLIENT = "traqnext"
MINUTE = 60

# (app, title, site) -> (title, site) to keep, or None to drop the window (privacy rules).
WindowFilter = Callable[[str, str | None, str | None], tuple[str | None, str | None] | None]


@dataclass(frozen=True)
class Minute:
    """One minute row of activity (never which key was pressed)."""

    minute: int
    active_seconds: int
    key_presses: int = 0
    mouse_clicks: int = 0
    mouse_moves: int = 0
    scrolls: int = 0


@dataclass(frozen=True)
class Span:
    """One application span with its title in clear (sealed before it is stored)."""

    start_ts: int
    end_ts: int
    app: str
    site: str | None
    title: str | None


@dataclass(frozen=True)
class HostActivity:
    """Everything one host recorded."""

    hostname: str
    minutes: tuple[Minute, ...]
    spans: tuple[Span, ...]


def map_host(hostname: str, buckets: Sequence[AwBucket], keep_window: WindowFilter) -> HostActivity:
    """Map the buckets recorded on ``hostname`` (see module doc)."""
    events: dict[str, list[AwEvent]] = defaultdict(list)
    for bucket in buckets:
        events[bucket.type].extend(bucket.events)
    for kind in events:
        events[kind].sort(key=lambda e: (e.start, e.duration))
    afk = _merge([_seconds(e) for e in events[AFK] if e.data.get("status") == "afk"])
    own = any(b.client == OWN_CLIENT for b in buckets)
    spans = _window_spans(events[WINDOW], events[WEB], keep_window)
    if afk and not own:
        spans = _cut(spans, afk) + [Span(s, e, IDLE_APP, None, None) for s, e in afk]
        spans.sort(key=lambda span: span.start_ts)
    minutes = _minutes(events[AFK], events[INPUT], spans)
    return HostActivity(hostname, tuple(minutes), tuple(spans))


def _seconds(event: AwEvent) -> tuple[int, int]:
    return math.floor(event.start), math.floor(event.end)


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _window_spans(
    windows: Sequence[AwEvent], web: Sequence[AwEvent], keep_window: WindowFilter
) -> list[Span]:
    spans: list[Span] = []
    web_starts = [event.start for event in web]
    for event in windows:
        start, end = _seconds(event)
        if end <= start:
            continue  # zero-length: a heartbeat that never extended
        app = (_text(event.data.get("app")) or "unknown")[:200]
        title = _text(event.data.get("title"))
        nearby = web[max(bisect_right(web_starts, start) - 1, 0) :]
        site = _site(app, title, _text(event.data.get("url")), nearby, start, end)
        kept = keep_window(app, title, site)
        if kept is None:
            continue
        if spans and start < spans[-1].end_ts:
            previous = spans.pop()
            if previous.start_ts < start:  # same start: the longer, later-sorted one wins
                spans.append(replace(previous, end_ts=start))
        title, site = kept
        spans.append(Span(start, end, app, site, title))
    return spans


def _site(
    app: str, title: str | None, url: str | None, web: Sequence[AwEvent], start: int, end: int
) -> str | None:
    if not is_browser(app):
        return host_of(url) if url else None
    best, overlap = None, 0.0
    for event in web:
        if event.start >= end:
            break
        shared = min(end, event.end) - max(start, event.start)
        if shared > overlap:
            best, overlap = event, shared
    if best is not None:
        host = host_of(_text(best.data.get("url")) or "")
        if host:
            return host
    return (host_of(url) if url else None) or site_from_title(app, title)


def is_browser(app: str) -> bool:
    """Whether ``app`` is a browser, by the collector's list of browser names."""
    name = app.strip().lower().removesuffix(".exe").removesuffix(".app")
    return "-".join(name.replace("_", " ").split()) in BROWSER_APPS


def host_of(url: str) -> str | None:
    """The lowercase host of an http(s) URL (without ``www.``, as the collector reads
    sites), or a bare host name as it is (a TraqNext export writes the stored site)."""
    if "://" in url:
        parts = urlsplit(url)
        host = parts.hostname if parts.scheme in ("http", "https") else None
        host = host.rstrip(".").removeprefix("www.") if host else None
    else:
        host = url.split("/", 1)[0].lower()
    if not host or len(host) > 253 or not host.isascii() or " " in host or "." not in host:
        return None
    return host


def _cut(spans: Sequence[Span], afk: Sequence[tuple[int, int]]) -> list[Span]:
    """The spans without the AFK stretches (a span across one becomes two)."""
    result = []
    for span in spans:
        pieces = [(span.start_ts, span.end_ts)]
        for lo, hi in afk:
            pieces = [
                piece
                for s, e in pieces
                for piece in ((s, min(e, lo)), (max(s, hi), e))
                if piece[1] > piece[0]
            ]
        result += [replace(span, start_ts=s, end_ts=e) for s, e in pieces]
    return result


def _minutes(
    afk: Sequence[AwEvent], inputs: Sequence[AwEvent], spans: Sequence[Span]
) -> list[Minute]:
    active: dict[int, float] = defaultdict(float)
    if afk:
        for event in afk:
            _cover(active, *_seconds(event), event.data.get("status") == "not-afk")
    else:
        for span in spans:
            _cover(active, span.start_ts, span.end_ts, False)
        for event in inputs:
            _cover(active, *_seconds(event), _any_input(event))
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for event in inputs:
        minute = math.floor(event.start) // MINUTE * MINUTE
        active.setdefault(minute, 0.0)
        row = counts[minute]
        row[0] += _count(event, "presses")
        row[1] += _count(event, "clicks")
        row[2] += int(bool(_count(event, "deltaX") or _count(event, "deltaY")))
        row[3] += int(bool(_count(event, "scrollX") or _count(event, "scrollY")))
    return [
        Minute(minute, min(MINUTE, round(active[minute])), *counts.get(minute, (0, 0, 0, 0)))
        for minute in sorted(active)
    ]


def _cover(active: dict[int, float], start: int, end: int, is_active: bool) -> None:
    """Mark every minute ``[start, end)`` touches as tracked; add active overlap if active."""
    if end <= start:
        return  # a zero-length event tracks nothing
    for minute in range(start // MINUTE * MINUTE, end, MINUTE):
        shared = min(end, minute + MINUTE) - max(start, minute)
        active[minute] += shared if is_active else 0.0


def _count(event: AwEvent, name: str) -> int:
    value = event.data.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return abs(int(value))


def _any_input(event: AwEvent) -> bool:
    names = ("presses", "clicks", "deltaX", "deltaY", "scrollX", "scrollY")
    return any(_count(event, name) for name in names)
