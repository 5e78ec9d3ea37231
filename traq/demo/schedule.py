"""Working sessions: when each person's collector runs, as UTC epoch seconds.

A working day is a morning and an afternoon session around lunch (no rows at lunch), and
now and then a short evening session. Weekends and days off have none. Times are drawn in
local wall-clock minutes and converted with the day's own UTC offset, so a person starts at
8:30 in Paris on both sides of a daylight-saving change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from traq.demo.org import Person

EARLIEST_START = 6 * 60 + 30  # local minutes after midnight
LATEST_START = 10 * 60 + 50
LATEST_END = 23 * 60


@dataclass(frozen=True)
class Period:
    """The demo's local calendar days: ``days`` days ending with ``end``.

    ``not_after`` (UTC epoch seconds) is the moment the demo runs: nothing is dated after
    it, so a demo ending today stops at the present instead of inventing the afternoon.
    """

    end: date
    days: int
    not_after: int | None = None

    @property
    def first(self) -> date:
        """The first local day."""
        return self.end - timedelta(days=self.days - 1)

    def day(self, index: int) -> date:
        """The local date of day ``index`` (0 = first)."""
        return self.first + timedelta(days=index)


@dataclass(frozen=True)
class Sessions:
    """Collector sessions of one person, in time order; ``[start, end)`` in UTC seconds."""

    start: np.ndarray
    end: np.ndarray
    day: np.ndarray  # local day index within the period
    device: np.ndarray  # index into Person.platforms


def day_starts(zone: str, period: Period) -> np.ndarray:
    """UTC epoch of each local day's 00:00, reckoned with the offset in force at noon.

    Daylight-saving changes happen between 01:00 and 03:00 local time, before anyone
    works, so ``day_start + minutes * 60`` is exact for every time the demo uses.
    """
    return np.array(_day_starts(zone, period.first, period.days), dtype=np.int64)


@lru_cache(maxsize=64)
def _day_starts(zone: str, first: date, days: int) -> tuple[int, ...]:
    tz = ZoneInfo(zone)
    starts = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        noon = datetime.combine(day, time(12), tzinfo=tz)
        starts.append(int(noon.timestamp()) - 12 * 3600)
    return tuple(starts)


def working_sessions(person: Person, period: Period, rng: np.random.Generator) -> Sessions:
    """The sessions of ``person`` over ``period``, drawn from ``rng``."""
    habits, days = person.habits, period.days
    weekday = (period.first.weekday() + np.arange(days)) % 7 < 5
    working = weekday & (rng.random(days) >= habits.day_off_rate) & ~_holiday(days, rng)
    start = np.clip(habits.start_minute + rng.normal(0, 15, days), EARLIEST_START, LATEST_START)
    start = start.astype(np.int64)
    lunch = np.maximum(habits.lunch_minute + rng.normal(0, 10, days).astype(np.int64), start + 90)
    lunch_end = lunch + np.maximum(habits.lunch_length + rng.integers(-10, 11, days), 20)
    work = np.clip(habits.work_minutes + rng.normal(0, 30, days), 240, 600).astype(np.int64)
    end = np.clip(start + work + (lunch_end - lunch), lunch_end + 30, 21 * 60)
    late = rng.random(days) < habits.late_rate
    late_start = np.maximum(20 * 60 + rng.integers(0, 61, days), end + 30)
    late_end = np.minimum(late_start + rng.integers(20, 71, days), LATEST_END)
    local = np.stack([start, lunch, lunch_end, end, late_start, late_end], axis=1)
    keep = np.stack([working, working, working & late], axis=1).ravel()
    device = _devices(len(person.platforms), days, rng)
    base = day_starts(person.timezone, period)[:, None]
    utc = (base + local * 60).reshape(days * 3, 2)[keep]
    day_index = np.repeat(np.arange(days), 3)[keep]
    sessions = Sessions(utc[:, 0], utc[:, 1], day_index, np.repeat(device, 3)[keep])
    return sessions if period.not_after is None else _until(sessions, period.not_after)


def _until(sessions: Sessions, moment: int) -> Sessions:
    """``sessions`` cut at ``moment``: later ones dropped, a running one ended there."""
    # A session needs a whole minute to leave any activity behind.
    started = sessions.start <= moment - 60
    return Sessions(
        sessions.start[started],
        np.minimum(sessions.end[started], moment - moment % 60),
        sessions.day[started],
        sessions.device[started],
    )


def _holiday(days: int, rng: np.random.Generator) -> np.ndarray:
    """A week or so of holiday now and then, for longer demos."""
    off = np.zeros(days, dtype=bool)
    if days >= 20 and rng.random() < days / 200:
        first = int(rng.integers(0, days - 5))
        off[first : first + int(rng.integers(3, 8))] = True
    return off


def _devices(count: int, days: int, rng: np.random.Generator) -> np.ndarray:
    # People with a second (office) machine use it on about one day in three.
    if count == 1:
        return np.zeros(days, dtype=np.int64)
    return (rng.random(days) < 0.35).astype(np.int64)
