"""Start and end of the working day, in each person's local time."""

from __future__ import annotations

import polars as pl

KEYS = ["person_id", "team_id"]


def day_bounds(daily: pl.LazyFrame) -> pl.LazyFrame:
    """Per person and day: local ``start_seconds``, ``end_seconds`` (since midnight) and
    ``span_seconds`` between them, from ``load_daily`` or ``daily_from_minutes``."""
    return daily.filter(pl.col("tracked_seconds") > 0).select(
        *KEYS,
        "day",
        "start_seconds",
        "end_seconds",
        (pl.col("end_seconds") - pl.col("start_seconds")).alias("span_seconds"),
    )


def usual_day_bounds(bounds: pl.LazyFrame) -> pl.LazyFrame:
    """Per person: median local start and end of day over the frame's days."""
    return bounds.group_by(KEYS).agg(
        pl.col("start_seconds").median().alias("usual_start_seconds"),
        pl.col("end_seconds").median().alias("usual_end_seconds"),
        pl.len().alias("days"),
    )


def clock(seconds: pl.Expr) -> pl.Expr:
    """Seconds since midnight as ``HH:MM`` text, for display."""
    minutes = (seconds // 60).cast(pl.Int64)
    return pl.format(
        "{}:{}",
        (minutes // 60).cast(pl.String).str.zfill(2),
        (minutes % 60).cast(pl.String).str.zfill(2),
    )
