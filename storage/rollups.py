"""Rollups kept current at ingest: per-person 10-minute slots and local days.

``activity_10min``: per UTC 10-minute slot, tracked seconds (60 per minute with a row on any
device) and the sums of active seconds (the busiest device's, per minute), key presses and
clicks. ``activity_daily``: the same per local day, with the first and last minute rows
(``last_ts`` is the start of the last minute). ``app_daily``: span seconds per local day and
application, a span counting under its site when it has one (so that web apps can be
categorised) and being split at local midnight.

Every statement is set-based (``DELETE`` then ``INSERT ... SELECT``) and the same on SQLite
and PostgreSQL. SQLite has no time zone database, so local days are computed here with
zoneinfo: the UTC offsets in force over the range become a ``CASE`` over transition
instants, and ``(ts + offset) / 86400`` numbers the local day, exact across DST changes.

Idle time the subject discarded (``storage.idle_reviews``) is not tracked: each minute's
tracked seconds are 60 less its seconds inside a discarded range (never fewer than its
active seconds), and a minute wholly discarded is left out (also of ``first_ts``/``last_ts``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache, partial
from time import time_ns
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Date, Engine, bindparam, delete, func, select, text

from storage.db.schema import (
    activity_10min,
    activity_daily,
    activity_minutes,
    app_daily,
    app_spans,
    people,
    rollup_marks,
)
from storage.idle_reviews import IDLE_APP as IDLE_APP  # re-exported: the collector's name
from storage.idle_reviews import discarded_cte

SLOT_SECONDS = 600
DAY_SECONDS = 86400
EPOCH = date(1970, 1, 1)
DAYS_PER_STATEMENT = 366  # keeps bind parameters far below SQLite's limit
PEOPLE_PER_TRANSACTION = 25

Progress = Callable[[int, int], None]

# One row per minute however many devices recorded it, so that time is never counted twice.
_PER_MINUTE = """SELECT minute, MAX(active_seconds) AS active, SUM(key_presses) AS keys,
        SUM(mouse_clicks) AS clicks, 60 AS tracked
    FROM activity_minutes WHERE person_id = :person AND minute >= :lo AND minute < :hi
    GROUP BY minute"""

# The same, less each minute's seconds inside a discarded idle range (CTE ``cut`` from
# ``storage.idle_reviews.discarded_cte``); wholly discarded minutes drop out. Active seconds
# are never discarded (input on another device during one device's idle stretch is work):
# a minute keeps at least those.
_CUT_MINUTES = f"""SELECT minute, active, keys, clicks,
    CASE WHEN kept > active THEN kept ELSE active END AS tracked
FROM (SELECT p.minute, p.active, p.keys, p.clicks, 60 - COALESCE(cut.seconds, 0) AS kept
    FROM ({_PER_MINUTE}) AS p LEFT JOIN cut ON cut.minute = p.minute) AS q
WHERE kept > 0 OR active > 0"""

_SLOTS = f"""INSERT INTO activity_10min
    (person_id, slot_start, tracked_seconds, active_seconds, key_presses, mouse_clicks)
SELECT :person, minute - minute % {SLOT_SECONDS}, SUM(tracked), SUM(active), SUM(keys),
    SUM(clicks)
FROM ({{per_minute}}) AS m
GROUP BY minute - minute % {SLOT_SECONDS}"""

_DAILY = """INSERT INTO activity_daily (person_id, day, tracked_seconds, active_seconds,
    key_presses, mouse_clicks, first_ts, last_ts)
SELECT :person, days.day, a.tracked, a.active, a.keys, a.clicks, a.first_ts, a.last_ts
FROM (SELECT (minute + {offset}) / 86400 AS dayno, SUM(tracked) AS tracked,
        SUM(active) AS active, SUM(keys) AS keys, SUM(clicks) AS clicks,
        MIN(minute) AS first_ts, MAX(minute) AS last_ts
    FROM ({per_minute}) AS m GROUP BY (minute + {offset}) / 86400) AS a
JOIN days ON days.dayno = a.dayno"""

# Spans within one local day count whole; the rare ones across midnight are clipped per day.
_APPS = """INSERT INTO app_daily (person_id, day, app, seconds)
SELECT :person, days.day, x.app, SUM(x.seconds)
FROM (SELECT d0 AS dayno, app, end_ts - start_ts AS seconds FROM s WHERE d0 = d1
    UNION ALL
    SELECT days.dayno, s.app,
        CASE WHEN s.end_ts < days.hi THEN s.end_ts ELSE days.hi END
        - CASE WHEN s.start_ts > days.lo THEN s.start_ts ELSE days.lo END
    FROM s JOIN days ON s.start_ts < days.hi AND s.end_ts > days.lo WHERE s.d0 <> s.d1) AS x
JOIN days ON days.dayno = x.dayno
GROUP BY days.day, x.app"""

_SPANS = (
    """s AS (SELECT SUBSTR(COALESCE(site, app), 1, 200) AS app, start_ts, end_ts,
        (start_ts + {start_offset}) / 86400 AS d0, (end_ts - 1 + {end_offset}) / 86400 AS d1
    FROM app_spans
    WHERE person_id = :person AND start_ts < :hi AND end_ts > :lo AND end_ts > start_ts
        AND app <> '"""
    + IDLE_APP
    + """')"""
)


@dataclass(frozen=True)
class _Day:
    """One local day: its number since the epoch, its date and its UTC bounds."""

    number: int
    day: date
    lo: int
    hi: int


def refresh_rollups(
    connection: Connection, person_id: int, start_ts: int, end_ts: int, tz: str
) -> None:
    """Recompute the person's slots and local days touched by ``[start_ts, end_ts)``.

    Call it in the transaction that wrote the batch, with a range covering every minute row
    and span of the batch; whole slots and days are recomputed from the stored rows.
    """
    if end_ts <= start_ts:
        return
    lock_person_rollups(connection, person_id)
    lo = start_ts - start_ts % SLOT_SECONDS
    hi = end_ts + (-end_ts) % SLOT_SECONDS
    connection.execute(
        delete(activity_10min).where(
            activity_10min.c.person_id == person_id,
            activity_10min.c.slot_start >= lo,
            activity_10min.c.slot_start < hi,
        )
    )
    params: dict[str, Any] = {"person": person_id, "lo": lo, "hi": hi}
    cuts, per_minute = _cuts(connection, person_id, lo, hi, params)
    connection.execute(text(f"{_with(cuts)}{_SLOTS.format(per_minute=per_minute)}"), params)
    for days in _chunks(local_days(tz, start_ts, end_ts), DAYS_PER_STATEMENT):
        _refresh_days(connection, person_id, tz, days)
    mark_refreshed(connection, person_id)


ROLLUP_LOCK_SPACE = 0x7471  # the advisory-lock namespace of rollup refreshes ("tq")


def lock_person_rollups(connection: Connection, person_id: int) -> None:
    """Serialise rollup refreshes of one person until the transaction ends (PostgreSQL).

    Two devices of one person upload at once: each refresh deletes and re-inserts the same
    slots, and without this the second insert fails on the slot's primary key. The lock is
    per person, so other people's batches never wait; SQLite serialises writers anyway.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": ROLLUP_LOCK_SPACE, "key": person_id},
        )


_MARK = """INSERT INTO rollup_marks (person_id, refreshed_us) VALUES (:person, :us)
ON CONFLICT (person_id) DO UPDATE SET refreshed_us = excluded.refreshed_us"""


def mark_refreshed(connection: Connection, person_id: int) -> None:
    """Note that ``person_id``'s rollups changed now (``rollup_marks``; cache keys read it)."""
    connection.execute(text(_MARK), {"person": person_id, "us": time_ns() // 1000})


def rollups_version(connection: Connection) -> int:
    """The newest rollup change (microseconds since the epoch; 0 before any)."""
    newest = connection.execute(select(func.max(rollup_marks.c.refreshed_us))).scalar_one()
    return int(newest or 0)


def local_days(tz: str, start_ts: int, end_ts: int) -> list[_Day]:
    """Every local day of ``tz`` that ``[start_ts, end_ts)`` touches, with its UTC bounds."""
    zone = ZoneInfo(tz)
    first = datetime.fromtimestamp(start_ts, zone).date()
    last = datetime.fromtimestamp(end_ts - 1, zone).date()
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        lo = int(datetime.combine(day, time(0), zone).timestamp())
        hi = int(datetime.combine(day + timedelta(days=1), time(0), zone).timestamp())
        days.append(_Day((day - EPOCH).days, day, lo, hi))
    return days


def _refresh_days(connection: Connection, person_id: int, tz: str, days: list[_Day]) -> None:
    lo, hi = days[0].lo, days[-1].hi
    for table in (activity_daily, app_daily):
        connection.execute(
            delete(table).where(
                table.c.person_id == person_id,
                table.c.day >= days[0].day,
                table.c.day <= days[-1].day,
            )
        )
    params: dict[str, Any] = {"person": person_id, "lo": lo, "hi": hi}
    values = _days_cte(days, params)
    # Whole UTC days around the range, so that people of one zone share the cached offsets.
    offsets = utc_offsets(
        tz, lo - lo % DAY_SECONDS - DAY_SECONDS, hi - hi % DAY_SECONDS + 2 * DAY_SECONDS
    )
    minute = _offset_case("minute", offsets, "om", params)
    cuts, per_minute = _cuts(connection, person_id, lo, hi, params)
    daily = _DAILY.format(offset=minute, per_minute=per_minute)
    start = _offset_case("start_ts", offsets, "os", params)
    end = _offset_case("end_ts - 1", offsets, "oe", params)
    spans = _SPANS.format(start_offset=start, end_offset=end)
    dates = [bindparam(f"d{i}", type_=Date) for i in range(len(days))]
    with_days = f"WITH {values}, {cuts} " if cuts else f"WITH {values} "
    connection.execute(text(with_days + daily).bindparams(*dates), params)
    connection.execute(text(f"WITH {values}, {spans} {_APPS}").bindparams(*dates), params)


def _cuts(
    connection: Connection, person_id: int, lo: int, hi: int, params: dict[str, Any]
) -> tuple[str, str]:
    """The CTEs of the person's discarded seconds over ``[lo, hi)`` and the per-minute query
    that honours them; no CTE and the plain query when nothing there was discarded."""
    cte = discarded_cte(connection, person_id, lo, hi, params)
    return (cte, _CUT_MINUTES) if cte else ("", _PER_MINUTE)


def _with(cte: str) -> str:
    return f"WITH {cte} " if cte else ""


def _days_cte(days: list[_Day], params: dict[str, Any]) -> str:
    rows = []
    for i, day in enumerate(days):
        params.update({f"n{i}": day.number, f"d{i}": day.day, f"l{i}": day.lo, f"h{i}": day.hi})
        rows.append(f"(CAST(:n{i} AS BIGINT), :d{i}, CAST(:l{i} AS BIGINT), CAST(:h{i} AS BIGINT))")
    return f"days (dayno, day, lo, hi) AS (VALUES {', '.join(rows)})"


def _offset_case(
    expression: str, offsets: tuple[tuple[int, int], ...], prefix: str, params: dict[str, Any]
) -> str:
    """SQL for the UTC offset in force at ``expression``, given ``(since, offset)`` pairs."""
    params[f"{prefix}0"] = offsets[0][1]
    if len(offsets) == 1:
        return f"CAST(:{prefix}0 AS BIGINT)"
    branches = []
    for i, (since, offset) in enumerate(offsets[1:], start=1):
        params[f"{prefix}t{i}"], params[f"{prefix}{i}"] = since, offset
        branches.append(f"WHEN {expression} >= :{prefix}t{i} THEN CAST(:{prefix}{i} AS BIGINT)")
    return f"CASE {' '.join(reversed(branches))} ELSE CAST(:{prefix}0 AS BIGINT) END"


@lru_cache(maxsize=4096)
def utc_offsets(tz: str, start_ts: int, end_ts: int) -> tuple[tuple[int, int], ...]:
    """``(since, offset_seconds)`` for each UTC offset of ``tz`` over ``[start_ts, end_ts)``.

    The first pair's ``since`` is ``start_ts``; zones change offset at most a few times a
    year, never twice in six hours, so probing every six hours and bisecting each change
    finds every transition.
    """
    offset = partial(_offset_at, ZoneInfo(tz))
    pairs = [(start_ts, offset(start_ts))]
    probe = start_ts
    while probe < end_ts:
        step = min(6 * 3600, end_ts - probe)
        if offset(probe + step) != pairs[-1][1]:
            low, high = probe, probe + step  # offset(low) is the old one, offset(high) new
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == pairs[-1][1] else (low, middle)
            pairs.append((high, offset(high)))
        probe += step
    return tuple(pairs)


def _offset_at(zone: ZoneInfo, ts: int) -> int:
    delta = datetime.fromtimestamp(ts, zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def rebuild_all_rollups(engine: Engine, progress: Progress | None = None) -> dict[str, int]:
    """Recompute every rollup of every person from minute rows and spans.

    People are handled in batches, one transaction each, so that a reader never sees a
    person half rebuilt. Returns the rows written per rollup table and the people done.
    """
    with engine.connect() as connection:
        everyone = connection.execute(select(people.c.id, people.c.timezone).order_by(people.c.id))
        zones = [(int(row.id), str(row.timezone)) for row in everyone]
    for first in range(0, len(zones), PEOPLE_PER_TRANSACTION):
        with engine.begin() as connection:
            for person_id, tz in zones[first : first + PEOPLE_PER_TRANSACTION]:
                rebuild_person(connection, person_id, tz)
        if progress is not None:
            progress(min(first + PEOPLE_PER_TRANSACTION, len(zones)), len(zones))
    return {"people": len(zones), **count_rollups(engine)}


def rebuild_person(connection: Connection, person_id: int, tz: str) -> None:
    """Drop the person's rollups and recompute them over the whole span of their data."""
    for table in (activity_10min, activity_daily, app_daily):
        connection.execute(delete(table).where(table.c.person_id == person_id))
    minutes = connection.execute(
        select(func.min(activity_minutes.c.minute), func.max(activity_minutes.c.minute)).where(
            activity_minutes.c.person_id == person_id
        )
    ).one()
    spans = connection.execute(
        select(func.min(app_spans.c.start_ts), func.max(app_spans.c.end_ts)).where(
            app_spans.c.person_id == person_id
        )
    ).one()
    starts = [ts for ts in (minutes[0], spans[0]) if ts is not None]
    ends = [ts for ts in (None if minutes[1] is None else minutes[1] + 60, spans[1]) if ts]
    if starts and ends:
        refresh_rollups(connection, person_id, int(min(starts)), int(max(ends)), tz)
    else:
        mark_refreshed(connection, person_id)


def count_rollups(engine: Engine) -> dict[str, int]:
    """Rows in each rollup table."""
    with engine.connect() as connection:
        return {
            table.name: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in (activity_10min, activity_daily, app_daily)
        }


def _chunks(days: list[_Day], size: int) -> Iterator[list[_Day]]:
    for first in range(0, len(days), size):
        yield days[first : first + size]
