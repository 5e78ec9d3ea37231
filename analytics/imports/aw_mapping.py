"""ActivityWatch buckets of one host to TraqNext minute rows and spans (pure, linear).

The totals are ActivityWatch's own canonical query (aw-webui's ``canonicalEvents``):
window events ``flood``-ed with a 5 s pulsetime, intersected with the flooded ``not-afk``
events, summed by application. Here, as one sweep over sorted events (``aw_sweep``):

- ``currentwindow`` events, flooded, inside active time become application spans; the
  site comes from ``web.tab.current`` events (``aw_sites``), a ``url`` field or the title.
  Window time outside active time is not counted (ActivityWatch does not count it either).
- ``afkstatus`` events give active time (``not-afk``, overlapping duplicates counted once),
  the tracked minutes (every minute an AFK event touches) and idle spans (``afk``).
- Without an AFK bucket (aw-android): active time is the screen's, from unlock events
  (``os.lockscreen.unlocks``: from an unlock to the end of the stretch of app use it opens),
  or else all window time, as ActivityWatch counts it; window time gives the tracked minutes.
- ``os.hid.input`` events add key presses and clicks to their minute (moves and scrolls
  count events with movement, never distances); without an AFK bucket they are active time.
- Windows the privacy filter drops leave no span; their active seconds are reported per rule.

Boundaries are rounded to whole seconds once, at the end (``aw_sweep.second``). A TraqNext
export (client ``traqnext``) is exact already and is not flooded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from analytics.imports import aw_minutes
from analytics.imports.aw_format import AwBucket, AwEvent
from analytics.imports.aw_minutes import Minute
from analytics.imports.aw_sites import WebBucket, browser_site, family_of, host_of, is_browser
from analytics.imports.aw_sweep import (
    PULSE_SECONDS,
    Interval,
    Piece,
    flood,
    intersect,
    second,
    subtract,
    union,
)
from storage.rollups import IDLE_APP

WINDOW, AFK, WEB, INPUT = "currentwindow", "afkstatus", "web.tab.current", "os.hid.input"
UNLOCKS = "os.lockscreen.unlocks"  # aw-android: one zero-length event per screen unlock
KNOWN_TYPES = (WINDOW, AFK, WEB, INPUT)
MAPPED_TYPES = (*KNOWN_TYPES, UNLOCKS)
OWN_CLIENT = "traqnext"
UNNAMED_RULE = "privacy filter"

# (app, title, site) -> (title, site) to keep; or the name of the rule that drops the window
# (None: dropped by an unnamed rule).
WindowFilter = Callable[[str, str | None, str | None], tuple[str | None, str | None] | str | None]

__all__ = [
    "KNOWN_TYPES", "HostActivity", "Minute", "Span", "group_by_host", "host_of", "is_browser",
    "map_host",
]  # fmt: skip


class Span(NamedTuple):
    """One application span with its title in clear (sealed before it is stored); a named
    tuple, as a month of spans is built in one go."""

    start_ts: int
    end_ts: int
    app: str
    site: str | None
    title: str | None

    def __repr__(self) -> str:
        # Why: a span in a failing assertion or a log line must not show its title.
        return f"Span({self.start_ts}-{self.end_ts}, app={self.app!r})"


@dataclass(frozen=True)
class HostActivity:
    """Everything one host recorded, what the privacy filter dropped (seconds per rule) and
    where active time came from (``afk``, ``unlocks`` or ``window``)."""

    hostname: str
    minutes: tuple[Minute, ...]
    spans: tuple[Span, ...]
    dropped: dict[str, float] = field(default_factory=dict)
    active_source: str = "afk"


@dataclass(frozen=True)
class _Dropped:
    rule: str


def map_host(hostname: str, buckets: Sequence[AwBucket], keep_window: WindowFilter) -> HostActivity:
    """Map the buckets recorded on ``hostname`` (see module doc)."""
    own = any(b.client == OWN_CLIENT for b in buckets)
    pulse = 0.0 if own else PULSE_SECONDS
    windows = flood(_events(buckets, WINDOW), pulse)
    statuses = flood(_events(buckets, AFK), pulse)
    not_afk = union((s, e) for s, e, data in statuses if data.get("status") == "not-afk")
    if any(b.type == AFK for b in buckets):
        source, active = "afk", not_afk
    elif any(b.type == UNLOCKS for b in buckets):
        source, active = "unlocks", _unlocked(windows, _events(buckets, UNLOCKS), pulse)
    else:
        source, active = "window", union((s, e) for s, e, _ in windows)
    web = [
        WebBucket(flood(b.events, pulse), family_of(f"{b.id} {b.client}"))
        for b in buckets
        if b.type == WEB
    ]
    labelled = _label(windows, web, keep_window)
    spans, dropped = _spans(intersect(labelled, active), merge=not own)
    if source == "afk":
        away = union((s, e) for s, e, data in statuses if data.get("status") == "afk")
        spans += [
            Span(*_rounded(lo, hi), IDLE_APP, None, None) for lo, hi in subtract(away, active)
        ]
        tracked = [(s, e) for s, e, _ in statuses]
    else:
        tracked = [(s, e) for s, e, _ in windows]
    spans = [s for s in spans if s.end_ts > s.start_ts]
    spans.sort(key=lambda span: span.start_ts)
    inputs = _events(buckets, INPUT)
    minutes = aw_minutes.minutes(
        tracked, active, inputs, input_is_active=source != "afk", exact=own
    )
    return HostActivity(hostname, tuple(minutes), tuple(spans), dropped, source)


def group_by_host(buckets: Iterable[AwBucket]) -> dict[str, list[AwBucket]]:
    """The mapped buckets of each host. A web bucket whose host recorded no windows (older
    aw-watcher-web writes the hostname ``unknown``) joins every host with a window bucket:
    its tab events only name the site of browser windows they overlap in time."""
    hosts: dict[str, list[AwBucket]] = defaultdict(list)
    orphans: list[AwBucket] = []
    for bucket in buckets:
        if bucket.type in MAPPED_TYPES:
            hosts[bucket.hostname[:120]].append(bucket)
    with_windows = [h for h, bs in hosts.items() if any(b.type == WINDOW for b in bs)]
    for host in list(hosts):
        if host not in with_windows and with_windows and all(b.type == WEB for b in hosts[host]):
            orphans += hosts.pop(host)
    for host in with_windows:
        hosts[host] += orphans
    return dict(hosts)


def _events(buckets: Iterable[AwBucket], kind: str) -> list[AwEvent]:
    events = [event for bucket in buckets if bucket.type == kind for event in bucket.events]
    events.sort(key=lambda e: (e.start, e.duration))
    return events


def _unlocked(windows: Sequence[Piece], unlocks: Sequence[AwEvent], pulse: float) -> list[Interval]:
    """Screen-on time: from each unlock to the end of the stretch of app use it opens (an
    unlock event with a duration counts as it is)."""
    runs = union((s, e + pulse) for s, e, _ in windows)  # app use with gaps of a pulse at most
    active: list[Interval] = [(u.start, u.end) for u in unlocks if u.duration > 0]
    j = 0
    for lo, hi in runs:
        while j < len(unlocks) and unlocks[j].start < lo - pulse:
            j += 1
        if j < len(unlocks) and unlocks[j].start < hi:
            active.append((max(lo, unlocks[j].start), hi - pulse))
    return union(active)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _label(windows: Sequence[Piece], web: list[WebBucket], keep: WindowFilter) -> list[Piece]:
    """Each window with its (app, site, title) after the privacy filter, or ``_Dropped``.

    The parser shares equal ``data`` objects, so what a window's data says (and the filter's
    decision, unless a browser's tab events name its site) is worked out once per object.
    """
    decided: dict[tuple[str, str | None, str | None], Any] = {}
    read: dict[int, tuple[str, str | None, str | None, str | None, bool]] = {}
    labelled: list[Piece] = []
    for start, end, data in windows:
        found = read.get(id(data))  # ids are stable: ``windows`` holds every data object
        if found is None:
            app = (_text(data.get("app")) or "unknown")[:200]
            title, url = _text(data.get("title")), _text(data.get("url"))
            found = (app, title, url, host_of(url) if url else None, is_browser(app))
            read[id(data)] = found
        app, title, url, site, browser = found
        if browser:
            site = browser_site(app, title, url, start, end, web)
        key = (app, title, site)
        label = decided.get(key)
        if label is None:
            kept = keep(app, title, site)
            if kept is None or isinstance(kept, str):
                label = _Dropped(kept or UNNAMED_RULE)
            else:
                label = (app, kept[1], kept[0])
            decided[key] = label
        labelled.append((start, end, label))
    return labelled


def _rounded(start: float, end: float) -> tuple[int, int]:
    return second(start), second(end)


def _spans(pieces: Iterable[Piece], *, merge: bool) -> tuple[list[Span], dict[str, float]]:
    """Spans of the kept pieces (touching equal ones merged unless the file is our own, whose
    spans are the stored ones); seconds dropped per rule."""
    spans: list[Span] = []
    dropped: dict[str, float] = defaultdict(float)
    last_end, last_label = -1, None
    make = Span._make  # builds the tuple directly: a third of the cost of ``Span(...)``
    for start, end, label in pieces:
        if type(label) is _Dropped:
            dropped[label.rule] += end - start
            continue
        lo, hi = int(start + 0.5), int(end + 0.5)  # ``second``, inlined: stamps are >= 0
        if merge and last_end == lo and label == last_label:
            spans[-1] = spans[-1]._replace(end_ts=hi)
        elif hi > lo:
            spans.append(make((lo, hi, *label)))
        else:
            continue
        last_end, last_label = hi, label
    return spans, dict(dropped)
