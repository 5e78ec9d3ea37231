"""Idle stretches and the subject's decisions about them (table ``idle_reviews``).

An idle stretch is an ``app_spans`` row of the idle application ``IDLE_APP``: the collector
writes one after the idle threshold passes without input, from the last input on. Minute
rows go on during the stretch with no activity, so it counts as tracked (work) time.

Semantics, as Hubstaff's idle-time review: idle time counts as work time unless the subject
discards it. ``keep`` confirms the stretch as work (figures unchanged, the stretch shows as
reviewed); ``discard`` takes ``[start, end)`` out of tracked time, to the second, wherever
tracked time is computed (``storage.rollups``), except seconds active on another device.
A new decision about the same start replaces the old one, so keeping a discarded stretch
restores it.

Functions here take a connection: the caller owns the transaction, so that a decision and
the recomputed rollups commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from storage.db.schema import app_spans, idle_reviews

IDLE_APP = "(idle)"  # the collector's idle stretches: time away, not an application
DECISIONS = ("keep", "discard")

# Seconds discarded per minute, from the CTE ``cuts (s, e)`` of disjoint ranges: driven from
# the few ranges into the (person_id, minute) index, never every minute against every range.
_CUT = """cut (minute, seconds) AS (
    SELECT x.minute, SUM(
        CASE WHEN x.e < x.minute + 60 THEN x.e ELSE x.minute + 60 END
        - CASE WHEN x.s > x.minute THEN x.s ELSE x.minute END)
    FROM (SELECT DISTINCT cuts.s, cuts.e, m.minute FROM cuts JOIN activity_minutes AS m
        ON m.person_id = :person AND m.minute > cuts.s - 60 AND m.minute < cuts.e) AS x
    GROUP BY x.minute)"""


@dataclass(frozen=True)
class IdleStretch:
    """One idle stretch ``[start_ts, end_ts)`` (UTC seconds) and its review, if any."""

    start_ts: int
    end_ts: int
    decision: str | None = None
    reviewed_end_ts: int | None = None  # the end the decision covered (a stretch may grow)


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def idle_stretches(connection: Connection, person_id: int, lo: int, hi: int) -> list[IdleStretch]:
    """The person's idle stretches starting in ``[lo, hi)``, oldest first, with decisions.

    Two devices idle from the same instant make one stretch (the longer one): a decision is
    keyed by person and start.
    """
    s = app_spans.c
    spans = connection.execute(
        select(s.start_ts, func.max(s.end_ts))
        .where(
            s.person_id == person_id,
            s.app == IDLE_APP,
            s.start_ts >= lo,
            s.start_ts < hi,
            s.end_ts > s.start_ts,
        )
        .group_by(s.start_ts)
        .order_by(s.start_ts)
    ).all()
    decided = _reviews(connection, person_id, lo, hi)
    stretches = []
    for start, end in spans:
        review = decided.get(int(start))
        stretches.append(
            IdleStretch(
                int(start),
                int(end),
                None if review is None else review[1],
                None if review is None else review[0],
            )
        )
    return stretches


def _reviews(
    connection: Connection, person_id: int, lo: int, hi: int
) -> dict[int, tuple[int, str]]:
    r = idle_reviews.c
    rows = connection.execute(
        select(r.start, r.end, r.decision).where(
            r.person_id == person_id, r.start >= _utc(lo), r.start < _utc(hi)
        )
    )
    return {_ts(row[0]): (_ts(row[1]), str(row[2])) for row in rows}


def idle_span_end(connection: Connection, person_id: int, start_ts: int) -> int | None:
    """The end of the person's idle stretch starting at ``start_ts``; None if they have none
    there (the stretch is someone else's, or does not exist)."""
    s = app_spans.c
    end = connection.execute(
        select(func.max(s.end_ts)).where(
            s.person_id == person_id, s.app == IDLE_APP, s.start_ts == start_ts
        )
    ).scalar_one_or_none()
    return None if end is None else int(end)


def save_review(
    connection: Connection,
    person_id: int,
    start_ts: int,
    end_ts: int,
    decision: str,
    now: datetime,
) -> int | None:
    """Store the decision about the stretch at ``start_ts``, replacing any earlier one.

    Returns the end the replaced decision covered (None if there was none), so that the
    caller can recompute every second either decision touched.
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if end_ts <= start_ts:
        raise ValueError("an idle stretch must end after it starts")
    r = idle_reviews.c
    where = (r.person_id == person_id, r.start == _utc(start_ts))
    old = connection.execute(select(r.end).where(*where)).scalar_one_or_none()
    # Delete then insert, in the caller's transaction: the same on SQLite and PostgreSQL.
    connection.execute(delete(idle_reviews).where(*where))
    connection.execute(
        insert(idle_reviews).values(
            person_id=person_id,
            start=_utc(start_ts),
            end=_utc(end_ts),
            decision=decision,
            decided_at=now,
        )
    )
    return None if old is None else _ts(old)


def discarded_ranges(
    connection: Connection, person_id: int, lo: int, hi: int
) -> list[tuple[int, int]]:
    """The person's discarded seconds overlapping ``[lo, hi)``, as disjoint sorted ranges.

    Overlapping decisions (idle on two devices) are merged, so that no second is taken out
    of tracked time twice.
    """
    return reviewed_ranges(connection, person_id, lo, hi, "discard")


def reviewed_ranges(
    connection: Connection, person_id: int, lo: int, hi: int, decision: str
) -> list[tuple[int, int]]:
    """The person's seconds under ``decision`` overlapping ``[lo, hi)``, as disjoint sorted
    ranges (overlapping decisions merged)."""
    r = idle_reviews.c
    rows = connection.execute(
        select(r.start, r.end)
        .where(
            r.person_id == person_id,
            r.decision == decision,
            r.start < _utc(hi),
            r.end > _utc(lo),
        )
        .order_by(r.start)
    ).all()
    merged: list[tuple[int, int]] = []
    for start, end in ((_ts(row[0]), _ts(row[1])) for row in rows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def discarded_cte(
    connection: Connection, person_id: int, lo: int, hi: int, params: dict[str, Any]
) -> str:
    """SQL for the CTEs ``cuts (s, e)`` (the person's discarded ranges over ``[lo, hi)``)
    and ``cut (minute, seconds)`` (discarded seconds per minute row), binding their values
    into ``params`` (which must bind ``:person``); empty when nothing there was discarded."""
    ranges = discarded_ranges(connection, person_id, lo, hi)
    rows = []
    for i, (start, end) in enumerate(ranges):
        params.update({f"cs{i}": start, f"ce{i}": end})
        rows.append(f"(CAST(:cs{i} AS BIGINT), CAST(:ce{i} AS BIGINT))")
    return f"cuts (s, e) AS (VALUES {', '.join(rows)}), {_CUT}" if rows else ""
