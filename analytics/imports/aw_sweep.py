"""ActivityWatch's event transforms as sweeps over sorted intervals (pure, linear).

``flood`` is ``aw_transform.flood`` (aw-core 0.5.18) over floats: gaps up to ``pulse``
seconds are filled, equal-data neighbours merge across them, differing ones meet at the
midpoint, and overlaps are normalised (the later event wins). ``union``, ``intersect`` and
``subtract`` walk two sorted lists with one pointer each, so a month of events costs one
pass (the importer once cut every window span against every AFK stretch: quadratic).

A ``Piece`` is ``(start, end, label)``; an ``Interval`` is ``(start, end)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Any

from analytics.imports.aw_format import AwEvent

Interval = tuple[float, float]
Piece = Sequence[Any]  # (start, end, label): a list out of ``flood``, a tuple elsewhere
PULSE_SECONDS = 5.0  # ActivityWatch's canonical query floods with a 5 s pulsetime
_NEGATIVE_GAP_TRIM = 0.1  # aw_transform.flood: overlaps shorter than this count as touching


def flood(events: Sequence[AwEvent], pulse: float = PULSE_SECONDS) -> list[list[Any]]:
    """``aw_transform.flood`` of events sorted by (start, duration); labels are ``data``."""
    items: list[list[Any]] = [[e.start, e.start + e.duration, e.data] for e in events]
    for first, second in pairwise(items):
        # ActivityWatch computes gaps in timedelta, to the microsecond: so do we, or a gap
        # of exactly -0.1 s comes out as -0.0999... and is trimmed where theirs is not.
        gap = round(second[0] - first[1], 6)
        if not gap:
            continue
        same = first[2] is second[2] or first[2] == second[2]
        if gap < 0 and same:  # overlapping equal data: one event, the other left empty
            start, end = min(first[0], second[0]), max(first[1], second[1])
            first[0], first[1], second[0], second[1] = start, end, end, end
        elif -_NEGATIVE_GAP_TRIM < gap <= pulse and same:
            if first[1] - first[0] >= second[1] - second[0]:
                first[1], second[0] = second[1], second[1]
            else:
                second[0], first[1] = first[0], first[0]
        elif -_NEGATIVE_GAP_TRIM < gap <= pulse:  # the uncertain gap, split in the middle
            first[1] = second[0] = first[1] + gap / 2
    return _normalise(items)


def _normalise(items: list[list[Any]]) -> list[list[Any]]:
    """Drop empty events; where two still overlap, the later one wins (equal data merge)."""
    out: list[list[Any]] = []
    for item in items:
        if item[1] <= item[0]:
            continue
        while out and out[-1][1] > item[0]:
            previous = out[-1]
            if previous[2] is item[2] or previous[2] == item[2]:
                previous[1] = max(previous[1], item[1])
                break
            previous[1] = item[0]
            if previous[1] <= previous[0]:
                out.pop()
                continue
            out.append(item)
            break
        else:
            out.append(item)
    return out


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted disjoint intervals covering ``intervals`` (overlapping or touching ones merge)."""
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def intersect(pieces: Sequence[Piece], keep: Sequence[Interval]) -> Iterator[Piece]:
    """The parts of sorted disjoint ``pieces`` inside sorted disjoint ``keep`` intervals
    (``aw_transform.filter_period_intersect``), in order."""
    i = j = 0
    while i < len(pieces) and j < len(keep):
        start, end, label = pieces[i]
        lo, hi = keep[j]
        if max(start, lo) < min(end, hi):
            yield max(start, lo), min(end, hi), label
        if end <= hi:
            i += 1
        else:
            j += 1


def subtract(intervals: Sequence[Interval], cut: Sequence[Interval]) -> list[Interval]:
    """Sorted disjoint ``intervals`` less sorted disjoint ``cut``."""
    out: list[Interval] = []
    j = 0
    for start, end in intervals:
        while j < len(cut) and cut[j][1] <= start:
            j += 1
        k, at = j, start
        while k < len(cut) and cut[k][0] < end:
            if cut[k][0] > at:
                out.append((at, cut[k][0]))
            at = max(at, cut[k][1])
            k += 1
        if at < end:
            out.append((at, end))
    return out


def second(moment: float) -> int:
    """The whole second nearest ``moment``: every boundary is rounded the same way, so
    touching pieces still touch and a day's total is off by at most a second per run."""
    return int(moment + 0.5) if moment >= 0 else -int(-moment + 0.5)
