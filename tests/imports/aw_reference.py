"""What ActivityWatch shows its users: aw-webui's canonical query run with aw-core's own
transforms (flood 5 s, filter_period_intersect with flooded not-AFK, merge_events_by_keys
on app), per UTC day, and ours from mapped spans the same way."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from aw_core.models import Event
from aw_transform import filter_keyvals, filter_period_intersect, flood, merge_events_by_keys

from analytics.imports.aw_mapping import Span
from storage.rollups import IDLE_APP

DAY = 86400


def _events(document: dict[str, Any], kind: str) -> list[Event]:
    return [
        Event(**event)
        for bucket in document["buckets"].values()
        if bucket["type"] == kind
        for event in bucket["events"]
    ]


def canonical_totals(document: dict[str, Any]) -> dict[tuple[int, str], float]:
    """Seconds per (UTC day number, app) as ActivityWatch's canonical query counts them."""
    events = flood(_events(document, "currentwindow"))
    afk = _events(document, "afkstatus")
    if afk:  # aw-android has no AFK bucket: all app time counts
        not_afk = filter_keyvals(flood(afk), "status", ["not-afk"])
        events = filter_period_intersect(events, not_afk)
    if not events:
        return {}
    first = int(min(e.timestamp for e in events).timestamp()) // DAY
    last = int(max(e.timestamp + e.duration for e in events).timestamp()) // DAY
    totals: dict[tuple[int, str], float] = {}
    for day in range(first, last + 1):
        period = Event(timestamp=datetime.fromtimestamp(day * DAY, UTC),
                       duration=timedelta(days=1), data={})  # fmt: skip
        for merged in merge_events_by_keys(filter_period_intersect(events, [period]), ["app"]):
            totals[(day, merged.data["app"])] = merged.duration.total_seconds()
    return totals


def our_totals(spans: Iterable[Span]) -> dict[tuple[int, str], float]:
    """Seconds per (UTC day number, app) of our spans (idle left out), split at midnight."""
    totals: dict[tuple[int, str], float] = defaultdict(float)
    for span in spans:
        if span.app == IDLE_APP:
            continue
        start = span.start_ts
        while start < span.end_ts:
            day = start // DAY
            end = min(span.end_ts, (day + 1) * DAY)
            totals[(day, span.app)] += end - start
            start = end
    return dict(totals)


def worst_difference(
    ours: dict[tuple[int, str], float], theirs: dict[tuple[int, str], float]
) -> tuple[float, tuple[int, str] | None]:
    """The largest relative difference over every (day, app) either side has."""
    worst, where = 0.0, None
    for key in set(ours) | set(theirs):
        a, b = ours.get(key, 0.0), theirs.get(key, 0.0)
        relative = abs(a - b) / max(b, 1.0)
        if relative > worst:
            worst, where = relative, key
    return worst, where
