"""Daily and weekly trends, and comparisons between teams.

Trends keep complete days only: a local day is complete everywhere once it has ended in
the westernmost zone (UTC-12). Comparisons work on released (guarded) team figures, never
on individual rows.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from analytics.metrics.time import KEYS, with_week, work_time

WESTERNMOST_OFFSET = timedelta(hours=-12)


def last_complete_day(now: datetime) -> date:
    """The latest local day that has ended in every time zone at ``now`` (aware)."""
    return (now + WESTERNMOST_OFFSET).date() - timedelta(days=1)


def daily_trend(daily: pl.LazyFrame, now: datetime) -> pl.LazyFrame:
    """Per person and complete day: tracked, active and idle seconds and activity level."""
    return work_time(
        daily.filter(pl.col("day") <= last_complete_day(now)).select(
            *KEYS, "day", "tracked_seconds", "active_seconds"
        )
    )


def weekly_trend(daily: pl.LazyFrame, now: datetime) -> pl.LazyFrame:
    """Per person and ISO week (its Monday): ``days`` worked, mean daily tracked and active
    seconds, and the tracked-weighted activity level, over complete days."""
    complete = with_week(daily.filter(pl.col("day") <= last_complete_day(now)))
    return (
        complete.filter(pl.col("tracked_seconds") > 0)
        .group_by([*KEYS, "week"])
        .agg(
            pl.len().alias("days"),
            pl.col("tracked_seconds").mean().alias("daily_tracked_seconds"),
            pl.col("active_seconds").mean().alias("daily_active_seconds"),
            (pl.col("active_seconds").sum() / pl.col("tracked_seconds").sum()).alias(
                "activity_level"
            ),
        )
    )


def trend_slope(frame: pl.DataFrame, x: str, y: str, by: str | None = None) -> pl.DataFrame:
    """Least-squares slope of ``y`` per day of ``x`` (a date), per ``by`` group; rows with
    a null ``y`` (suppressed cells) are left out."""
    keys = [by] if by else []
    days = (pl.col(x) - pl.col(x).min()).dt.total_days().cast(pl.Float64)
    usable = frame.filter(pl.col(y).is_not_null()).with_columns(days.over(keys or None).alias("_x"))
    centred_x = pl.col("_x") - pl.col("_x").mean()
    slope = (centred_x * (pl.col(y) - pl.col(y).mean())).sum() / (centred_x**2).sum()
    grouped = usable.group_by(keys) if keys else usable.group_by(pl.lit(0).alias("_all"))
    result = grouped.agg(slope.alias(f"{y}_per_day"), pl.len().alias("points"))
    return result.drop("_all") if not keys else result


def compare_teams(released: pl.DataFrame, value: str, team: str = "team") -> pl.DataFrame:
    """Each shown team's ``value`` against the people-weighted mean of all shown teams:
    adds ``organisation``, ``difference``, ``ratio`` and ``rank`` (1 = highest)."""
    shown = released.filter(pl.col(value).is_not_null())
    weights = pl.col("people").cast(pl.Float64)
    mean = (pl.col(value) * weights).sum() / weights.sum()
    return shown.select(team, "people", value).with_columns(
        mean.alias("organisation"),
        (pl.col(value) - mean).alias("difference"),
        (pl.col(value) / mean).alias("ratio"),
        pl.col(value).rank("min", descending=True).cast(pl.Int64).alias("rank"),
    )
