"""Loaders of the rollups that dashboards read: 10-minute slots, days, applications per day."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl
from sqlalchemy import func, select

from analytics.loaders.base import Source, load_timed
from analytics.periods import Period
from storage.db.schema import activity_10min, activity_daily, app_daily

DAILY_SCHEMA: dict[str, Any] = {
    "person_id": pl.Int64,
    "team_id": pl.Int64,
    "day": pl.Date,
    "tracked_seconds": pl.Int64,
    "active_seconds": pl.Int64,
    "key_presses": pl.Int64,
    "mouse_clicks": pl.Int64,
    "first_ts": pl.Int64,
    "last_ts": pl.Int64,
}


def load_slots(
    source: Source,
    period: Period,
    team_ids: Collection[int] | None = None,
    person_ids: Collection[int] | None = None,
) -> pl.LazyFrame:
    """10-minute slots of the period: ``person_id, team_id, slot_start, tracked_seconds,
    active_seconds, key_presses, mouse_clicks, day, local_seconds``."""
    lo, hi = period.utc_bounds()
    t = activity_10min.c
    columns = [t.person_id, t.slot_start, t.tracked_seconds, t.active_seconds]
    columns += [t.key_presses, t.mouse_clicks]
    statement = select(*columns).where(t.slot_start >= lo, t.slot_start < hi)
    schema = {c.name: pl.Int64 for c in columns}
    filters = (team_ids, person_ids)
    return load_timed(source, statement, schema, period, [("slot_start", "")], filters)


def load_daily(
    source: Source,
    period: Period,
    team_ids: Collection[int] | None = None,
    person_ids: Collection[int] | None = None,
) -> pl.LazyFrame:
    """Local days of the period: ``person_id, team_id, day, tracked_seconds, active_seconds,
    key_presses, mouse_clicks, first_ts, last_ts``, and local ``start_seconds`` and
    ``end_seconds`` (the first minute's start and the last minute's end, since midnight)."""
    d = activity_daily.c
    statement = (
        select(d.person_id, d.day, d.tracked_seconds, d.active_seconds)
        .add_columns(d.key_presses, d.mouse_clicks, d.first_ts, d.last_ts)
        .where(d.day >= period.first, d.day <= period.last)
    )
    schema = {name: dtype for name, dtype in DAILY_SCHEMA.items() if name != "team_id"}
    stamps = [("first_ts", "first_"), ("last_ts", "last_")]
    frame = load_timed(source, statement, schema, period, stamps, (team_ids, person_ids))
    return frame.select(
        *DAILY_SCHEMA,
        pl.col("first_local_seconds").alias("start_seconds"),
        # The last minute ends 60 s after it starts; a day ending at midnight ends at 86400.
        (pl.col("last_local_seconds") + 60).alias("end_seconds"),
    )


def load_app_daily(
    source: Source,
    period: Period,
    team_ids: Collection[int] | None = None,
    person_ids: Collection[int] | None = None,
) -> pl.LazyFrame:
    """Application seconds per local day: ``person_id, team_id, day, app, seconds``
    (``app`` is the site for browser spans)."""
    a = app_daily.c
    statement = select(a.person_id, a.day, a.app, a.seconds).where(
        a.day >= period.first, a.day <= period.last
    )
    schema: dict[str, Any] = {"person_id": pl.Int64, "day": pl.Date}
    schema |= {"app": pl.String, "seconds": pl.Int64}
    frame = load_timed(source, statement, schema, period, [], (team_ids, person_ids), None)
    return frame.select("person_id", "team_id", "day", "app", "seconds")


def load_app_totals(
    source: Source,
    period: Period,
    team_ids: Collection[int] | None = None,
    person_ids: Collection[int] | None = None,
) -> pl.LazyFrame:
    """Application seconds per person over the whole period, summed in the database:
    ``person_id, team_id, app, seconds, days`` (days on which the app was used)."""
    a = app_daily.c
    statement = (
        select(a.person_id, a.app, func.sum(a.seconds), func.count())
        .where(a.day >= period.first, a.day <= period.last)
        .group_by(a.person_id, a.app)
    )
    schema: dict[str, Any] = {"person_id": pl.Int64, "app": pl.String}
    schema |= {"seconds": pl.Int64, "days": pl.Int64}
    frame = load_timed(source, statement, schema, period, [], (team_ids, person_ids), None)
    return frame.select("person_id", "team_id", "app", "seconds", "days")
