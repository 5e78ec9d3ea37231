"""A person's idle time per local day, from their minute rows and idle reviews.

Three kinds of idle second, each counted once (a discard wins over a keep, a keep over no
review, as ``storage.rollups`` does when it takes discarded time out of work time):

- *discarded*: inside a range the person discarded in Review idle time; not work time;
- *kept*: inside a range they kept; work time;
- *not reviewed*: inside an idle stretch with no decision about that second (a stretch
  never reviewed, or the part of one that went on after its review); work time until
  discarded.

Only seconds of a tracked minute (a minute row on any device) count, and never more of a
minute than its seconds without input (the busiest device's active seconds): the rollups
keep active seconds in work time even inside a discarded range. So per day the minute rows'
60 seconds each equal work time plus idle discarded, exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

Range = tuple[int, int]  # [start, end) in UTC seconds
MINUTE = 60


@dataclass
class IdleDay:
    """One local day's idle seconds by kind."""

    kept: int = 0
    not_reviewed: int = 0
    discarded: int = 0


def merged(ranges: Iterable[Range]) -> list[Range]:
    """``ranges`` as disjoint sorted ranges (overlapping and touching ones joined)."""
    out: list[Range] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def without(ranges: Iterable[Range], cuts: Iterable[Range]) -> list[Range]:
    """The seconds of ``ranges`` outside every one of ``cuts``, as disjoint sorted ranges."""
    out: list[Range] = []
    holes = merged(cuts)
    for start, end in merged(ranges):
        for cut_start, cut_end in holes:
            if cut_end <= start or cut_start >= end:
                continue
            if cut_start > start:
                out.append((start, cut_start))
            start = max(start, cut_end)
        if end > start:
            out.append((start, end))
    return out


def per_minute(ranges: Iterable[Range]) -> dict[int, int]:
    """Seconds of disjoint ``ranges`` in each minute (keyed by its first second)."""
    seconds: dict[int, int] = {}
    for start, end in ranges:
        minute = start - start % MINUTE
        while minute < end:
            overlap = min(end, minute + MINUTE) - max(start, minute)
            seconds[minute] = seconds.get(minute, 0) + overlap
            minute += MINUTE
    return seconds


def idle_days(
    active: Mapping[int, int],
    stretches: Iterable[Range],
    kept: Iterable[Range],
    discarded: Iterable[Range],
    zone: str,
) -> dict[date, IdleDay]:
    """Per local day in ``zone``: idle seconds kept, not reviewed and discarded.

    ``active``: the busiest device's active seconds of each tracked minute; ``stretches``:
    the idle stretches; ``kept``/``discarded``: the ranges of the person's decisions.
    """
    cut = merged(discarded)
    keep = without(kept, cut)
    rest = without(stretches, [*cut, *keep])
    by_kind = [per_minute(cut), per_minute(keep), per_minute(rest)]
    tz = ZoneInfo(zone)
    days: dict[date, IdleDay] = {}
    for minute in sorted(set().union(*by_kind) & active.keys()):
        room = MINUTE - active[minute]  # seconds of the minute without input
        counted = []
        for seconds in by_kind:
            part = min(seconds.get(minute, 0), room)
            counted.append(part)
            room -= part
        if not any(counted):
            continue
        day = days.setdefault(datetime.fromtimestamp(minute, tz).date(), IdleDay())
        day.discarded += counted[0]
        day.kept += counted[1]
        day.not_reviewed += counted[2]
    return days
