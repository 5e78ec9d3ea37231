"""Loaders of raw series: minute rows and application spans."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl
from sqlalchemy import select

from analytics.loaders.base import Source, load_timed
from analytics.periods import Period
from storage.db.schema import activity_minutes, app_spans


def load_minutes(
    source: Source,
    period: Period,
    team_ids: Collection[int] | None = None,
    person_ids: Collection[int] | None = None,
) -> pl.LazyFrame:
    """Minute rows of the period: ``person_id, team_id, minute, device_id, active_seconds,
    key_presses, mouse_clicks, mouse_moves, scrolls, day, local_seconds``."""
    lo, hi = period.utc_bounds()
    m = activity_minutes.c
    columns = [m.person_id, m.minute, m.device_id, m.active_seconds, m.key_presses]
    columns += [m.mouse_clicks, m.mouse_moves, m.scrolls]
    statement = select(*columns).where(m.minute >= lo, m.minute < hi)
    schema = {c.name: pl.Int64 for c in columns}
    return load_timed(source, statement, schema, period, [("minute", "")], (team_ids, person_ids))


def load_spans(
    source: Source,
    period: Period,
    team_ids: Collection[int] | None = None,
    person_ids: Collection[int] | None = None,
) -> pl.LazyFrame:
    """Application spans starting in the period: ``person_id, team_id, device_id, start_ts,
    end_ts, app, site, label`` (the site, else the app), ``seconds, day, local_seconds``."""
    lo, hi = period.utc_bounds()
    s = app_spans.c
    statement = select(s.person_id, s.device_id, s.start_ts, s.end_ts, s.app, s.site).where(
        s.start_ts >= lo, s.start_ts < hi
    )
    schema: dict[str, Any] = {"person_id": pl.Int64, "device_id": pl.Int64}
    schema |= {"start_ts": pl.Int64, "end_ts": pl.Int64, "app": pl.String, "site": pl.String}
    frame = load_timed(
        source, statement, schema, period, [("start_ts", "")], (team_ids, person_ids)
    )
    return frame.with_columns(
        pl.coalesce("site", "app").alias("label"),
        (pl.col("end_ts") - pl.col("start_ts")).alias("seconds"),
    )
