"""Time per application and category, category shares, and the productive share.

Inputs are per-person rows with an application (``app_daily``, ``load_app_totals`` or spans
with ``label``) and seconds. Shares are of categorised-or-not application time, so that
each person's category shares sum to 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from analytics.categories import with_category, with_rating

KEYS = ["person_id", "team_id"]


def app_time(frame: pl.LazyFrame, app: str = "app") -> pl.LazyFrame:
    """Seconds per person and application over every row of ``frame``."""
    return (
        frame.group_by([*KEYS, app])
        .agg(pl.col("seconds").sum())
        .rename({app: "app"} if app != "app" else {})
    )


def category_time(apps: pl.LazyFrame, app_categories: Mapping[str, str]) -> pl.LazyFrame:
    """Seconds per person and category, from per-person application seconds."""
    return (
        with_category(apps, app_categories)
        .group_by([*KEYS, "category"])
        .agg(pl.col("seconds").sum())
    )


def category_shares(
    categories: pl.LazyFrame, all_categories: Sequence[str] | None = None
) -> pl.LazyFrame:
    """Each person's share (0-1) of their application time per category.

    With ``all_categories``, every person gets a row for each of them (share 0 if unused),
    so that a team's mean shares also sum to 1 and every cell covers the whole team.
    """
    frame = categories
    if all_categories is not None:
        grid = (
            categories.select(KEYS)
            .unique()
            .join(pl.LazyFrame({"category": list(all_categories)}), how="cross")
        )
        frame = grid.join(categories, on=[*KEYS, "category"], how="left").with_columns(
            pl.col("seconds").fill_null(0)
        )
    total = pl.col("seconds").sum().over(KEYS)
    return frame.filter(total > 0).with_columns((pl.col("seconds") / total).alias("share"))


def productive_share(categories: pl.LazyFrame, ratings: pl.LazyFrame) -> pl.LazyFrame:
    """Per person: ``productive_seconds``, ``total_seconds`` and ``productive_share`` (0-1)
    under their team's category ratings (``analytics.categories.ratings_frame``)."""
    rated = with_rating(categories, ratings)
    productive = pl.col("seconds").filter(pl.col("rating") == "productive").sum()
    return (
        rated.group_by(KEYS)
        .agg(productive.alias("productive_seconds"), pl.col("seconds").sum().alias("total_seconds"))
        .filter(pl.col("total_seconds") > 0)
        .with_columns(
            (pl.col("productive_seconds") / pl.col("total_seconds")).alias("productive_share")
        )
    )
