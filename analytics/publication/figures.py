"""Page figures as ratios of sums of published cells, rounded at the source.

Every figure is a sum of published cells over the unit-days selected, or a ratio of two such
sums: hours per person-day (work, active, a category's, an application's) and shares
(activity level = active / tracked; productive share = productive category seconds /
category seconds, rated by the unit's host team). Durations leave as hours rounded to the
minute, shares as whole percent: no chart, hover or download carries more precision than
the page shows. Each row says the most people one of its published cells covers
(``people``), its ``person_days``, and whether all its cells were ``suppressed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from analytics.publication.cells import APP, CATEGORY, HOUR, OTHER, TOTAL

NEUTRAL = "neutral"
FLAGS = ["people", "person_days", "suppressed"]


@dataclass(frozen=True)
class Figure:
    """Rows a page shows: keys, rounded values, and the ``FLAGS`` columns."""

    cells: pl.DataFrame
    k: int

    @property
    def shown(self) -> pl.DataFrame:
        """The rows with a published value."""
        return self.cells.filter(~pl.col("suppressed"))


def hours(seconds: pl.Expr, person_days: pl.Expr) -> pl.Expr:
    """Hours per person-day, rounded to the minute (as hours, to two decimals)."""
    return ((seconds / person_days / 60).round(0) / 60).round(2)


def share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """``part / whole`` in whole percent (0.73), or null without a whole."""
    return pl.when(whole > 0).then((part / whole).round(2)).otherwise(None)


def _shown(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    return frame.filter((pl.col("kind") == kind) & ~pl.col("suppressed"))


def summary(
    frame: pl.DataFrame, by: list[str], ratings: Mapping[str, Mapping[str, str]], k: int
) -> Figure:
    """Per ``by`` (``unit``, ``day``, ``week``, or nothing): work and active hours per
    person-day, activity level and productive share."""
    keyed = _with_week(frame) if "week" in by else frame
    keys = by or ["_all"]
    keyed = keyed.with_columns(pl.lit(1).alias("_all"))
    totals = _shown(keyed, TOTAL).group_by(keys).agg(
        pl.col("tracked").sum(), pl.col("active").sum(),
        pl.col("people").max(), pl.col("people").sum().alias("person_days"),
    )  # fmt: skip
    rated = _rated(_shown(keyed, CATEGORY), ratings)
    apps = rated.group_by(keys).agg(
        pl.col("seconds").filter(pl.col("rating") == "productive").sum().alias("productive"),
        pl.col("seconds").sum().alias("app_seconds"),
    )
    joined = totals.join(apps, on=keys, how="left").sort(keys)
    return Figure(
        joined.select(
            *by,
            hours(pl.col("tracked"), pl.col("person_days")).alias("work_hours"),
            hours(pl.col("active"), pl.col("person_days")).alias("active_hours"),
            share(pl.col("active"), pl.col("tracked")).alias("activity_level"),
            share(pl.col("productive"), pl.col("app_seconds")).alias("productive_share"),
            "people",
            "person_days",
            pl.lit(False).alias("suppressed"),
        ),
        k,
    )


def _with_week(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("day").dt.truncate("1w").alias("week"))


def _rated(cells: pl.DataFrame, ratings: Mapping[str, Mapping[str, str]]) -> pl.DataFrame:
    """Category cells with the rating of their unit's host team (default, then the team's)."""
    default = dict(ratings.get("default", {}))
    rows = [
        (host, category, rating)
        for host in cells["host"].unique().to_list()
        for category, rating in {**default, **ratings.get(host, {})}.items()
    ]
    table = pl.DataFrame(
        rows, schema={"host": pl.String, "key": pl.String, "rating": pl.String}, orient="row"
    )
    return cells.join(table, on=["host", "key"], how="left").with_columns(
        pl.col("rating").fill_null(NEUTRAL)
    )


def heatmap(frame: pl.DataFrame, k: int) -> Figure:
    """Per local weekday (0 = Monday) and hour: activity level and tracked and active
    minutes summed over the published hour cells."""
    cells = frame.filter(pl.col("kind") == HOUR).with_columns(
        (pl.col("day").dt.weekday() - 1).alias("weekday"),
        pl.col("key").cast(pl.Int64).alias("hour"),
    )
    grouped = cells.group_by("weekday", "hour").agg(
        pl.col("tracked").sum(), pl.col("active").sum(),
        pl.col("people").max(), pl.col("people").sum().alias("person_days"),
        pl.col("suppressed").all(),
    )  # fmt: skip
    return Figure(
        grouped.sort("weekday", "hour")
        .select(
            "weekday",
            "hour",
            share(pl.col("active"), pl.col("tracked")).alias("activity_level"),
            (pl.col("tracked") / 60).round(0).alias("tracked_minutes"),
            (pl.col("active") / 60).round(0).alias("active_minutes"),
            *FLAGS,
        )
        .with_columns(_null_when_hidden(["activity_level", "tracked_minutes", "active_minutes"])),
        k,
    )


TOTAL_ROW = "total"  # the ``day`` of a unit's row summing its shown days


def timesheet(frame: pl.DataFrame, k: int) -> Figure:
    """Per unit and local day, its published total cell: work and active hours summed over
    the unit's people (rounded to the minute); after each host team's days a ``total`` row
    summing its shown days (its unit may have changed: a team folded in on some days). A
    suppressed day stays a row, with no values."""
    cells = frame.filter(pl.col("kind") == TOTAL).with_columns(
        pl.col("day").cast(pl.String), pl.col("people").alias("person_days")
    )
    totals = cells.filter(~pl.col("suppressed")).group_by("host").agg(
        pl.lit(TOTAL_ROW).alias("day"), pl.col("host").first().alias("unit"),
        pl.col("tracked").sum(), pl.col("active").sum(),
        pl.col("people").max(), pl.col("people").sum().alias("person_days"),
        pl.lit(False).alias("suppressed"),
    )  # fmt: skip
    columns = ["host", "day", "unit", "tracked", "active", "people", "person_days", "suppressed"]
    rows = pl.concat([cells.select(columns), totals.select(columns)], how="vertical_relaxed")
    out = rows.sort(["host", pl.col("day") == TOTAL_ROW, "day"]).select(
        "day",
        "unit",
        hours(pl.col("tracked"), pl.lit(1)).alias("work_hours"),
        hours(pl.col("active"), pl.lit(1)).alias("active_hours"),
        *FLAGS,
    )
    return Figure(out.with_columns(_null_when_hidden(["work_hours", "active_hours"])), k)


def categories(frame: pl.DataFrame, k: int) -> Figure:
    """Per category: hours per person-day over every published unit-day selected."""
    return _per_key(frame, frame.filter(pl.col("kind") == CATEGORY), "category", k)


def applications(frame: pl.DataFrame, k: int) -> Figure:
    """Per published application, and per category the hidden ones as "other <category>
    applications" (only where they cover at least k people): hours per person-day."""
    apps = frame.filter(pl.col("kind").is_in([APP, OTHER]) & ~pl.col("suppressed"))
    named = apps.with_columns(
        pl.when(pl.col("kind") == OTHER)
        .then(pl.lit("other ") + pl.col("key") + pl.lit(" applications"))
        .otherwise(pl.col("key"))
        .alias("key")
    )
    return _per_key(frame, named, "app", k)


def _per_key(frame: pl.DataFrame, cells: pl.DataFrame, name: str, k: int) -> Figure:
    person_days = _shown(frame, TOTAL)["people"].sum()
    grouped = cells.group_by("key").agg(
        pl.col("seconds").sum(), pl.col("people").max(),
        pl.col("people").sum().alias("person_days"), pl.col("suppressed").all(),
    )  # fmt: skip
    out = grouped.sort("key").select(
        pl.col("key").alias(name),
        hours(pl.col("seconds"), pl.lit(max(person_days, 1))).alias("hours"),
        *FLAGS,
    )
    return Figure(out.with_columns(_null_when_hidden(["hours"])), k)


def _null_when_hidden(columns: list[str]) -> list[pl.Expr]:
    hide = pl.col("suppressed")
    return [pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in columns] + [
        pl.when(hide).then(None).otherwise(pl.col(p)).alias(p) for p in ("people", "person_days")
    ]
