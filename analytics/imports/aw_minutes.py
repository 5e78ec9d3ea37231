"""Minute rows of one host from its tracked and active time and input events (pure).

Every minute a tracked interval touches gets a row; its active seconds are its overlap with
the active intervals, which are merged first so that overlapping duplicate events (two AFK
watchers, a re-sent heartbeat) count once. Input events add their counts to the minute they
start in (and make it tracked); with ``input_is_active`` an event with any input is active
time too (hosts without an AFK bucket). A TraqNext export's input events (``exact``) carry
each minute's counts of moves and scrolls and its active seconds, read as they are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from analytics.imports.aw_format import AwEvent
from analytics.imports.aw_sweep import Interval, second, union

MINUTE = 60
_INPUTS = ("presses", "clicks", "deltaX", "deltaY", "scrollX", "scrollY")


class Minute(NamedTuple):
    """One minute row of activity (never which key was pressed)."""

    minute: int
    active_seconds: int
    key_presses: int = 0
    mouse_clicks: int = 0
    mouse_moves: int = 0
    scrolls: int = 0


def minutes(
    tracked: Iterable[Interval],
    active: Sequence[Interval],
    inputs: Sequence[AwEvent],
    *,
    input_is_active: bool,
    exact: bool = False,
) -> list[Minute]:
    """The minute rows (see module doc), in time order."""
    seconds: dict[int, int] = defaultdict(int)
    for lo, hi in _whole(tracked):
        for minute in range(lo // MINUTE * MINUTE, hi, MINUTE):
            seconds.setdefault(minute, 0)
    busy = list(active)
    if input_is_active:
        busy += [(e.start, e.end) for e in inputs if _any_input(e)]
    for lo, hi in _whole(busy):
        for minute in range(lo // MINUTE * MINUTE, hi, MINUTE):
            seconds[minute] += min(hi, minute + MINUTE) - max(lo, minute)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for event in inputs:
        minute = math.floor(event.start) // MINUTE * MINUTE
        seconds.setdefault(minute, 0)
        row = counts[minute]
        row[0] += _count(event, "presses")
        row[1] += _count(event, "clicks")
        if exact:
            row[2] += _count(event, "deltaX")
            row[3] += _count(event, "scrollY")
            if "activeSeconds" in event.data:
                seconds[minute] = _count(event, "activeSeconds")
            continue
        row[2] += int(bool(_count(event, "deltaX") or _count(event, "deltaY")))
        row[3] += int(bool(_count(event, "scrollX") or _count(event, "scrollY")))
    return [
        Minute(minute, min(MINUTE, seconds[minute]), *counts.get(minute, (0, 0, 0, 0)))
        for minute in sorted(seconds)
    ]


def _whole(intervals: Iterable[Interval]) -> list[tuple[int, int]]:
    """Disjoint whole-second intervals: the same rounding as the spans'."""
    merged = union((second(lo), second(hi)) for lo, hi in intervals)
    return [(int(lo), int(hi)) for lo, hi in merged]


def _count(event: AwEvent, name: str) -> int:
    value = event.data.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return abs(int(value))


def _any_input(event: AwEvent) -> bool:
    return any(_count(event, name) for name in _INPUTS)
