"""Rollups computed from one person's minute rows and spans, exactly as the data defines them.

``activity_10min``: per UTC 10-minute slot, tracked seconds (60 per minute row) and sums.
``activity_daily``: per local day, the same sums plus the first and last minute rows.
``app_daily``: per local day and site (or application, for spans without a site), the
seconds of its spans, idle spans left out: as ``storage.rollups`` computes them at ingest.
Rows are in time order, so every group is a contiguous run and ``np.add.reduceat`` sums it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from traq.demo.activity import Minutes
from traq.demo.spans import Spans

SLOT_SECONDS = 600


@dataclass(frozen=True)
class Totals:
    """Sums over groups of minute rows; ``key`` is the slot start or the local day index."""

    key: np.ndarray
    tracked_seconds: np.ndarray
    active_seconds: np.ndarray
    key_presses: np.ndarray
    mouse_clicks: np.ndarray
    first_ts: np.ndarray
    last_ts: np.ndarray


@dataclass(frozen=True)
class AppDays:
    """Seconds per (local day index, label id)."""

    day: np.ndarray
    app: np.ndarray
    seconds: np.ndarray


def ten_minute_totals(minutes: Minutes) -> Totals:
    """Totals per UTC 10-minute slot."""
    return _totals(minutes, minutes.minute - minutes.minute % SLOT_SECONDS)


def daily_totals(minutes: Minutes) -> Totals:
    """Totals per local day of the person."""
    return _totals(minutes, minutes.day)


def app_days(spans: Spans, label_of_entry: np.ndarray) -> AppDays:
    """Span seconds per local day and label (``label_of_entry`` maps catalogue entries to
    label ids); idle spans are time away, counted under no application."""
    busy = ~spans.idle
    labels = int(label_of_entry.max()) + 1
    group = spans.day[busy] * labels + label_of_entry[spans.entry[busy]]
    keys, inverse = np.unique(group, return_inverse=True)
    seconds = np.bincount(inverse, weights=(spans.end - spans.start)[busy])
    return AppDays(keys // labels, keys % labels, seconds.astype(np.int64))


def _totals(minutes: Minutes, key: np.ndarray) -> Totals:
    if len(key) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Totals(empty, empty, empty, empty, empty, empty, empty)
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    last = np.append(first[1:], len(key)) - 1
    return Totals(
        key=key[first],
        tracked_seconds=60 * (last - first + 1),
        active_seconds=np.add.reduceat(minutes.active_seconds, first),
        key_presses=np.add.reduceat(minutes.key_presses, first),
        mouse_clicks=np.add.reduceat(minutes.mouse_clicks, first),
        first_ts=minutes.minute[first],
        last_ts=minutes.minute[last],
    )
