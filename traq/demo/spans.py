"""Application spans that tile every session: which app, site and title, from when to when.

Spans are drawn on a "tracked time" axis (the sessions laid end to end), then cut at the
session boundaries and mapped back to wall-clock time, which keeps the whole thing a
handful of numpy operations per person however many days there are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from traq.demo.apps import entry_categories, usage_table
from traq.demo.schedule import Sessions
from traq.demo.titles import TITLES_PER_ENTRY

MIN_SECONDS = 15
MAX_SECONDS = 3 * 3600
# People return to their main document far more often than to the others.
TITLE_ODDS = np.array([0.4, 0.25, 0.15, 0.12, 0.08])[:TITLES_PER_ENTRY]
_CATEGORY = entry_categories()
_MEDIAN = np.log(usage_table("median_seconds"))
_SPREAD = usage_table("spread")


@dataclass(frozen=True)
class Spans:
    """Spans of one person in time order: ``[start, end)`` in UTC seconds."""

    start: np.ndarray
    end: np.ndarray
    entry: np.ndarray  # catalogue index
    title: np.ndarray  # index into the person's titles for that entry
    day: np.ndarray  # local day index
    device: np.ndarray  # index into Person.platforms
    idle: np.ndarray  # an idle span; ``entry`` is then the window left open


def tile_spans(sessions: Sessions, odds: np.ndarray, rng: np.random.Generator) -> Spans:
    """Spans covering ``sessions`` exactly, entries drawn with probabilities ``odds``."""
    if len(sessions.start) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Spans(empty, empty, empty, empty, empty, empty, empty.astype(bool))
    lengths = sessions.end - sessions.start
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    total = int(bounds[-1])
    entry, title, ends = _draws(total, odds, rng)
    # Consecutive draws of the same window are one span, as a sessionizer would merge them.
    same = (entry[1:] == entry[:-1]) & (title[1:] == title[:-1])
    cuts = np.union1d(ends[:-1][~same], bounds[:-1])
    piece_end = np.append(cuts[1:], total)
    draw = np.searchsorted(ends, cuts, side="right")
    session = np.searchsorted(bounds, cuts, side="right") - 1
    start = sessions.start[session] + cuts - bounds[session]
    return Spans(
        start=start,
        end=start + piece_end - cuts,
        entry=entry[draw],
        title=title[draw],
        day=sessions.day[session],
        device=sessions.device[session],
        idle=np.zeros(len(cuts), dtype=bool),
    )


def mark_idle(spans: Spans, idle_start: np.ndarray, idle_end: np.ndarray) -> Spans:
    """``spans`` with the idle stretches ``[idle_start, idle_end)`` cut out as idle spans.

    As the collector does it: the window span is cut where idleness began and resumes as
    a new span when input does; a stretch across several windows is one idle span.
    """
    if len(idle_start) == 0:
        return spans
    cuts = np.union1d(spans.start, np.concatenate([idle_start, idle_end]))
    covering = np.searchsorted(spans.start, cuts, side="right") - 1
    inside = cuts < spans.end[covering]  # a stretch ending with its session cuts nothing
    cuts, covering = cuts[inside], covering[inside]
    stretch = np.maximum(np.searchsorted(idle_start, cuts, side="right") - 1, 0)
    idle = (cuts >= idle_start[stretch]) & (cuts < idle_end[stretch])
    piece_end = np.minimum(np.append(cuts[1:], np.iinfo(np.int64).max), spans.end[covering])
    joined = idle[1:] & idle[:-1] & (piece_end[:-1] == cuts[1:])
    first = np.flatnonzero(np.concatenate([[True], ~joined]))
    last = np.append(first[1:], len(cuts)) - 1
    source = covering[first]
    return Spans(
        start=cuts[first],
        end=piece_end[last],
        entry=spans.entry[source],
        title=spans.title[source],
        day=spans.day[source],
        device=spans.device[source],
        idle=idle[first],
    )


def _draws(
    total: int, odds: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries, titles and cumulative end positions of draws covering ``total`` seconds."""
    mean = float(odds @ np.exp(_MEDIAN + _SPREAD**2 / 2)[_CATEGORY])
    count = int(total / mean * 1.3) + 16
    entry = rng.choice(len(odds), size=count, p=odds)
    title = rng.choice(len(TITLE_ODDS), size=count, p=TITLE_ODDS)
    category = _CATEGORY[entry]
    seconds = rng.lognormal(_MEDIAN[category], _SPREAD[category])
    ends = np.cumsum(np.clip(seconds, MIN_SECONDS, MAX_SECONDS).astype(np.int64))
    while ends[-1] < total:  # rare: an unlucky run of short spans
        more_entry, more_title, more_ends = _draws(total - int(ends[-1]), odds, rng)
        entry = np.concatenate([entry, more_entry])
        title = np.concatenate([title, more_title])
        ends = np.concatenate([ends, more_ends + ends[-1]])
    used = int(np.searchsorted(ends, total, side="left")) + 1
    return entry[:used], title[:used], ends[:used]


def span_at(spans: Spans, times: np.ndarray) -> np.ndarray:
    """Index of the span covering each of ``times`` (which must fall inside a session)."""
    return np.searchsorted(spans.start, times, side="right") - 1
