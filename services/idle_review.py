"""Review of idle stretches by their subject: keep as work, or discard from work time.

What a decision changes (Hubstaff's idle-time semantics): idle time is flagged, and counts
as work (tracked) time unless its subject discards it. ``keep`` confirms it: the figures do
not move, the stretch shows as reviewed. ``discard`` takes the stretch's seconds out of
tracked time, so work time falls by exactly its length and the activity level (active over
tracked) rises; active time, key presses and clicks do not change (an idle stretch has
none; a second with input on another device stays work time). Keeping a discarded stretch
restores it. The person's rollups (10-minute slots and local days) are recomputed in the
transaction that stores the decision, so the self-view and the team dashboards, which both
read the rollups, agree at once (dashboards within their cache lifetime).

Only the subject reviews: every function takes the signed-in person, and a stretch start
that is not one of that person's idle stretches is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from analytics.periods import Period
from services.selfview import Subject, local_bounds
from storage.idle_reviews import DECISIONS, idle_span_end, idle_stretches, save_review
from storage.rollups import refresh_rollups

KEEP, DISCARD = DECISIONS


@dataclass(frozen=True)
class Stretch:
    """One of the subject's idle stretches, in their local time, and its review."""

    start_ts: int
    end_ts: int
    start: datetime
    end: datetime
    decision: str | None  # None until reviewed, or when the stretch grew past its review

    @property
    def seconds(self) -> int:
        """The stretch's length."""
        return self.end_ts - self.start_ts


def my_idle_stretches(engine: Engine, person: Subject, period: Period) -> list[Stretch]:
    """The person's idle stretches starting in the period's local days, oldest first."""
    lo, hi = local_bounds(period, person.timezone)
    zone = ZoneInfo(person.timezone)
    with engine.connect() as connection:
        found = idle_stretches(connection, person.person_id, lo, hi)
    return [
        Stretch(
            s.start_ts,
            s.end_ts,
            datetime.fromtimestamp(s.start_ts, zone),
            datetime.fromtimestamp(s.end_ts, zone),
            # A stretch that went on after its review asks again: the new time is unreviewed.
            s.decision if s.reviewed_end_ts == s.end_ts else None,
        )
        for s in found
    ]


def review_idle_stretch(
    engine: Engine, person: Subject, start_ts: int, decision: str, now: datetime
) -> None:
    """Keep or discard the person's idle stretch starting at ``start_ts``.

    Raises PermissionError if the person has no idle stretch there (someone else's, or
    none), ValueError for an unknown decision. The decision and the recomputed rollups
    commit together.
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    with engine.begin() as connection:
        end_ts = idle_span_end(connection, person.person_id, start_ts)
        if end_ts is None:
            raise PermissionError("this idle stretch is not yours")
        replaced_end = save_review(connection, person.person_id, start_ts, end_ts, decision, now)
        # Recompute every second either the old or the new decision covered.
        last = max(end_ts, replaced_end or end_ts)
        refresh_rollups(connection, person.person_id, start_ts, last, person.timezone)


def discarded_seconds(stretches: list[Stretch]) -> int:
    """Seconds of the stretches currently discarded."""
    return sum(s.seconds for s in stretches if s.decision == DISCARD)
