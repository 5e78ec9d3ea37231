"""Periods of local calendar days, the unit every analytics filter uses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from analytics.errors import InvalidQuery

# No time zone is further than 14 hours from UTC: a local day lies within these UTC bounds.
MAX_OFFSET_SECONDS = 14 * 3600


@dataclass(frozen=True)
class Period:
    """Local days from ``first`` to ``last``, both included, in each person's time zone."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidQuery(f"period ends ({self.last}) before it starts ({self.first})")

    @classmethod
    def last_days(cls, days: int, now: datetime) -> Period:
        """The ``days`` complete days before ``now``'s date (today is not complete yet)."""
        if days < 1:
            raise InvalidQuery(f"a period needs at least one day, got {days}")
        end = now.date() - timedelta(days=1)
        return cls(end - timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        """How many days the period covers."""
        return (self.last - self.first).days + 1

    def each_day(self) -> Iterator[date]:
        """Every day of the period, in order."""
        for offset in range(self.days):
            yield self.first + timedelta(days=offset)

    def utc_bounds(self) -> tuple[int, int]:
        """Epoch seconds ``[lo, hi)`` that hold every local day of the period, in any zone."""
        lo = (self.first - date(1970, 1, 1)).days * 86400 - MAX_OFFSET_SECONDS
        hi = ((self.last - date(1970, 1, 1)).days + 1) * 86400 + MAX_OFFSET_SECONDS
        return lo, hi

    def overlaps(self, other: Period) -> bool:
        """Whether the two periods share a day."""
        return self.first <= other.last and other.first <= self.last

    def to_json(self) -> dict[str, str]:
        """The period as JSON-ready ISO dates."""
        return {"first": self.first.isoformat(), "last": self.last.isoformat()}

    @classmethod
    def from_json(cls, value: dict[str, str]) -> Period:
        """The period back from ``to_json``."""
        return cls(date.fromisoformat(value["first"]), date.fromisoformat(value["last"]))
