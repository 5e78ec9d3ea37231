"""Focus sessions: uninterrupted stretches of productive applications.

A session is a run of consecutive spans of one person that are all rated productive, each
starting at most ``max_gap_seconds`` after the previous one ended. Any other span, or a
longer gap (a break, a locked screen), ends it. Sessions shorter than ``min_minutes`` are
not focus.
"""

from __future__ import annotations

import polars as pl

from analytics.categories import with_category, with_rating

KEYS = ["person_id", "team_id"]


def focus_sessions(
    spans: pl.LazyFrame,
    app_categories: dict[str, str],
    ratings: pl.LazyFrame,
    min_minutes: int = 25,
    max_gap_seconds: int = 60,
) -> pl.LazyFrame:
    """``person_id, team_id, day, start_ts, end_ts, seconds`` of each focus session
    (``day`` is the local day it started); spans need ``label``, ``start_ts``, ``end_ts``."""
    rated = with_rating(with_category(spans, app_categories, "label"), ratings)
    ordered = rated.sort("person_id", "start_ts").with_columns(
        (pl.col("rating") == "productive").alias("productive")
    )
    previous = [pl.col(c).shift(1).over("person_id") for c in ("productive", "end_ts")]
    starts = pl.col("productive") & (
        ~previous[0].fill_null(False)
        | (pl.col("start_ts") - previous[1] > max_gap_seconds).fill_null(True)
    )
    return (
        ordered.with_columns(starts.cum_sum().over("person_id").alias("session"))
        .filter(pl.col("productive"))
        .group_by([*KEYS, "session"])
        .agg(pl.col("day").first(), pl.col("start_ts").min(), pl.col("end_ts").max())
        .with_columns((pl.col("end_ts") - pl.col("start_ts")).alias("seconds"))
        .filter(pl.col("seconds") >= min_minutes * 60)
        .drop("session")
        .sort("person_id", "start_ts")
    )


def focus_per_day(sessions: pl.LazyFrame) -> pl.LazyFrame:
    """Per person and day: ``sessions`` count and ``focus_seconds``."""
    return sessions.group_by([*KEYS, "day"]).agg(
        pl.len().alias("sessions"), pl.col("seconds").sum().alias("focus_seconds")
    )
