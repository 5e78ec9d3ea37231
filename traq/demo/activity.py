"""Per-minute activity: one row per minute the collector ran, with input counts.

What a minute looks like depends on the window in front of the person (developers type
in their editor, designers click and drag in Figma, a meeting is mostly listening) and on
the person (some type faster). Idle stretches (a coffee, a colleague at the desk) keep
their rows, with no input, because the collector still runs; lunch has no rows at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from traq.demo.apps import entry_categories, usage_table
from traq.demo.org import Habits
from traq.demo.schedule import Sessions
from traq.demo.spans import Spans, span_at

IDLE_STARTS_PER_MINUTE = 1 / 50
IDLE_MEAN_MINUTES = 7
CONCENTRATION = 3.0  # of the beta distribution of a minute's active share
_CATEGORY = entry_categories()
_ACTIVITY = usage_table("activity")
_RATES = {name: usage_table(name) for name in ("keys", "clicks", "moves", "scrolls")}


@dataclass(frozen=True)
class Minutes:
    """Minute rows of one person in time order (``minute`` in UTC epoch seconds)."""

    minute: np.ndarray
    device: np.ndarray  # index into Person.platforms
    day: np.ndarray  # local day index
    active_seconds: np.ndarray
    key_presses: np.ndarray
    mouse_clicks: np.ndarray
    mouse_moves: np.ndarray
    scrolls: np.ndarray
    idle: np.ndarray  # True in an idle stretch (no input; active_seconds is 0)


def minute_rows(
    sessions: Sessions, spans: Spans, habits: Habits, rng: np.random.Generator
) -> Minutes:
    """The minute rows of ``sessions``, shaped by the window open in each minute."""
    per_session = (sessions.end - sessions.start) // 60
    offsets = np.repeat(np.cumsum(per_session) - per_session, per_session)
    starts = np.repeat(sessions.start, per_session)
    minute = starts + 60 * (np.arange(int(per_session.sum())) - offsets)
    category = _CATEGORY[spans.entry[span_at(spans, minute + 30)]]
    idle = _idle_mask(len(minute), rng)
    active = _active_seconds(category, idle, rng)
    share = active / 60.0
    keys = rng.poisson(_RATES["keys"][category] * share * habits.typing)
    return Minutes(
        minute=minute,
        device=np.repeat(sessions.device, per_session),
        day=np.repeat(sessions.day, per_session),
        active_seconds=active,
        key_presses=keys,
        mouse_clicks=rng.poisson(_RATES["clicks"][category] * share * habits.mousing),
        mouse_moves=rng.poisson(_RATES["moves"][category] * share * habits.mousing),
        scrolls=rng.poisson(_RATES["scrolls"][category] * share),
        idle=idle,
    )


def idle_stretches(minutes: Minutes, threshold: int) -> tuple[np.ndarray, np.ndarray]:
    """``[start, end)`` of each idle stretch of at least ``threshold`` seconds.

    These are what the collector reports as idle spans. A stretch never runs across the
    end of a session, even when the next session begins idle.
    """
    joined = np.diff(minutes.minute) == 60
    idle = minutes.idle
    first = idle & ~np.concatenate([[False], idle[:-1] & joined])
    last = idle & ~np.concatenate([idle[1:] & joined, [False]])
    start = minutes.minute[first]
    end = minutes.minute[last] + 60
    long = end - start >= threshold
    return start[long], end[long]


def _active_seconds(category: np.ndarray, idle: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    level = _ACTIVITY[category]
    share = rng.beta(level * CONCENTRATION, (1 - level) * CONCENTRATION)
    active: np.ndarray = np.rint(share * 60).astype(np.int64)
    active[idle] = 0
    return active


def _idle_mask(count: int, rng: np.random.Generator) -> np.ndarray:
    """Idle stretches: a few a day, a handful of minutes each."""
    starts = np.flatnonzero(rng.random(count) < IDLE_STARTS_PER_MINUTE)
    lengths = rng.geometric(1 / IDLE_MEAN_MINUTES, size=len(starts))
    change = np.zeros(count + 1, dtype=np.int64)
    np.add.at(change, starts, 1)
    np.add.at(change, np.minimum(starts + lengths, count), -1)
    idle: np.ndarray = np.cumsum(change[:-1]) > 0
    return idle
