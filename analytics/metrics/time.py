"""Tracked, active and idle time, and the activity level, from minute rows or rollups.

Tracked time is 60 seconds per minute with a row on any device; active time is the busiest
device's active seconds in that minute; idle time is tracked minus active. The activity
level is active over tracked: per 10-minute slot, and as a tracked-weighted mean (total
active over total tracked) per day or week, so that a short slot weighs less than a full one.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

DAY: Literal["day"] = "day"
WEEK: Literal["week"] = "week"
KEYS = ["person_id", "team_id"]


def _per_minute(minutes: pl.LazyFrame) -> pl.LazyFrame:
    """One row per person and minute, whichever devices recorded it."""
    return minutes.group_by([*KEYS, "minute"]).agg(
        pl.col("active_seconds").max(),
        pl.col("key_presses").sum(),
        pl.col("mouse_clicks").sum(),
        pl.col("day").first(),
        pl.col("local_seconds").first(),
        pl.lit(0).alias("device_id"),
    )


# A minute and its local time of day packed in one integer (local seconds < 2**17), so that
# plain min/max aggregations find the first and last minutes with their local times.
_PACK = 1 << 17


_SUMS = ["tracked_seconds", "active_seconds", "key_presses", "mouse_clicks"]
_UNPACK = [
    (pl.col("_first") // _PACK).alias("first_ts"),
    (pl.col("_last") // _PACK).alias("last_ts"),
    (pl.col("_first") % _PACK).alias("start_seconds"),
    (pl.col("_last") % _PACK + 60).alias("end_seconds"),
]


def _days(minutes: pl.LazyFrame) -> pl.LazyFrame:
    packed = pl.col("minute") * _PACK + pl.col("local_seconds")
    totals = minutes.group_by("person_id", DAY).agg(
        pl.col("team_id").first(),
        (pl.len() * 60).cast(pl.Int64).alias("tracked_seconds"),
        pl.col("active_seconds").sum(),
        pl.col("key_presses").sum(),
        pl.col("mouse_clicks").sum(),
        packed.min().alias("_first"),
        packed.max().alias("_last"),
        (pl.col("device_id").min() != pl.col("device_id").max()).alias("_shared"),
    )
    return totals.select(*KEYS, DAY, *_SUMS, *_UNPACK, "_shared")


def daily_from_minutes(minutes: pl.LazyFrame) -> pl.LazyFrame:
    """Per person and local day, as the ``activity_daily`` rollup (with start and end).

    Collects once: days recorded on a single device (nearly all) are summed directly;
    only days with several devices are summed again a minute at a time, so that a minute
    seen on two devices counts once, and a full pass of collapsing is rarely paid.
    """
    direct = _days(minutes).collect()
    shared = direct.filter(pl.col("_shared")).select(*KEYS, DAY)
    if shared.is_empty():
        return direct.drop("_shared").lazy()
    rows = minutes.join(shared.lazy(), on=[*KEYS, DAY], how="semi")
    again = _days(_per_minute(rows)).collect()
    single = direct.filter(~pl.col("_shared"))
    return pl.concat([single, again], how="vertical_relaxed").drop("_shared").lazy()


def slots_from_minutes(minutes: pl.LazyFrame) -> pl.LazyFrame:
    """Per person and UTC 10-minute slot, as the ``activity_10min`` rollup."""
    return (
        _per_minute(minutes)
        .with_columns((pl.col("minute") - pl.col("minute") % 600).alias("slot_start"))
        .group_by([*KEYS, "slot_start"])
        .agg(
            (pl.len() * 60).cast(pl.Int64).alias("tracked_seconds"),
            pl.col("active_seconds").sum(),
            pl.col("key_presses").sum(),
            pl.col("mouse_clicks").sum(),
            pl.col("day").first(),
            pl.col("local_seconds").min(),
        )
    )


def work_time(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``idle_seconds`` and ``activity_level`` (0-1) to rows with tracked and active."""
    return frame.with_columns(
        (pl.col("tracked_seconds") - pl.col("active_seconds")).alias("idle_seconds"),
        _level(pl.col("active_seconds"), pl.col("tracked_seconds")).alias("activity_level"),
    )


def activity_level_means(frame: pl.LazyFrame, by: Literal["day", "week"] = DAY) -> pl.LazyFrame:
    """Per person and day (or ISO week, keyed by its Monday): tracked-weighted mean level."""
    keyed = with_week(frame) if by == WEEK else frame
    return (
        keyed.group_by([*KEYS, by])
        .agg(pl.col("tracked_seconds").sum(), pl.col("active_seconds").sum())
        .pipe(work_time)
    )


def period_means(daily: pl.LazyFrame) -> pl.LazyFrame:
    """Per person over the frame's days: days worked and mean daily tracked, active and idle
    seconds (over days with tracked time), and the overall activity level."""
    return (
        daily.filter(pl.col("tracked_seconds") > 0)
        .group_by(KEYS)
        .agg(
            pl.len().alias("days"),
            pl.col("tracked_seconds").mean().alias("daily_tracked_seconds"),
            pl.col("active_seconds").mean().alias("daily_active_seconds"),
            (pl.col("tracked_seconds") - pl.col("active_seconds"))
            .mean()
            .alias("daily_idle_seconds"),
            _level(pl.col("active_seconds").sum(), pl.col("tracked_seconds").sum()).alias(
                "activity_level"
            ),
        )
    )


def with_week(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``week``: the Monday of the local day's ISO week."""
    return frame.with_columns(pl.col(DAY).dt.truncate("1w").alias(WEEK))


def _level(active: pl.Expr, tracked: pl.Expr) -> pl.Expr:
    return pl.when(tracked > 0).then(active / tracked).otherwise(None)
