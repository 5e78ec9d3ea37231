"""Each unit's finest contributions on a local day, read from storage for publication.

Tracked and active seconds per local hour come from the 10-minute rollups; application
seconds per (local hour, application) from the spans starting that local day (cut at its
end), named as the daily rollup names them (the site, else the application). People who are
restricted, objected or withdrew consent *now* are left out (the loaders' eligibility):
their future days are never published, their past ones never change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl
from sqlalchemy import Connection

from analytics.loaders import load_people, load_slots, load_spans
from analytics.periods import Period
from analytics.publication.cells import Contributions
from analytics.publication.units import Team

HOUR, DAY = 3600, 86400
NAME_LENGTH = 200


def load_days(connection: Connection, period: Period) -> dict[date, pl.DataFrame]:
    """Per day of ``period``: one row per person, hour and application (``""`` for the
    hour's tracked and active seconds): ``person_id, team_id, hour, app, tracked, active,
    seconds``."""
    slots = (
        load_slots(connection, period)
        .group_by("day", "person_id", "team_id", (pl.col("local_seconds") // HOUR).alias("hour"))
        .agg(
            pl.col("tracked_seconds").sum().cast(pl.Float64).alias("tracked"),
            pl.col("active_seconds").sum().cast(pl.Float64).alias("active"),
        )
        .with_columns(pl.lit("").alias("app"), pl.lit(0.0).alias("seconds"))
    )
    spans = _span_hours(load_spans(connection, period))
    rows = pl.concat([slots, spans], how="diagonal_relaxed").collect()
    return {key[0]: frame for key, frame in rows.partition_by("day", as_dict=True).items()}


def _span_hours(spans: pl.LazyFrame) -> pl.LazyFrame:
    """Span seconds per person, local hour and application (spans cut at the day's end)."""
    start = pl.col("local_seconds")
    end = pl.min_horizontal(start + pl.col("seconds"), pl.lit(DAY))
    return (
        spans.filter(pl.col("seconds") > 0)
        .select(
            "day",
            "person_id",
            "team_id",
            pl.col("label").str.slice(0, NAME_LENGTH).alias("app"),
            start.alias("s"),
            end.alias("e"),
            pl.int_ranges(start // HOUR, (end - 1) // HOUR + 1).alias("hour"),
        )
        .explode("hour")
        .with_columns(
            (
                pl.min_horizontal("e", (pl.col("hour") + 1) * HOUR)
                - pl.max_horizontal("s", pl.col("hour") * HOUR)
            )
            .cast(pl.Float64)
            .alias("seconds")
        )
        .group_by("day", "person_id", "team_id", "hour", "app")
        .agg(pl.col("seconds").sum())
    )


def teams_of(rows: pl.DataFrame, names: Mapping[int, str]) -> list[Team]:
    """The teams with tracked time in a day's ``rows``, with how many people each."""
    tracked = rows.filter((pl.col("app") == "") & (pl.col("tracked") > 0))
    counts = tracked.group_by("team_id").agg(pl.col("person_id").n_unique().alias("people"))
    return [Team(t, names.get(t, str(t)), n) for t, n in counts.iter_rows()]


def by_unit(rows: pl.DataFrame, unit_of: Mapping[int, int]) -> dict[int, pl.DataFrame]:
    """A day's ``rows`` split by unit (``unit_of``: team id -> unit id), units in order;
    rows of teams in no unit (fewer than k people in all) are left out."""
    keyed = rows.filter(pl.col("team_id").is_in(list(unit_of))).with_columns(
        pl.col("team_id").replace_strict(dict(unit_of), return_dtype=pl.Int64).alias("unit")
    )
    parts = keyed.partition_by("unit", as_dict=True)
    return {int(key[0]): parts[key] for key in sorted(parts)}


def contributions(rows: pl.DataFrame) -> Contributions:
    """The finest contributions of the people in ``rows`` (one unit's day)."""
    hours: dict[int, dict[int, tuple[float, float]]] = {}
    apps: dict[int, dict[tuple[int, str], float]] = {}
    for person, hour, app, tracked, active, seconds in rows.select(
        "person_id", "hour", "app", "tracked", "active", "seconds"
    ).iter_rows():
        if app == "":
            hours.setdefault(person, {})[hour] = (tracked, active)
        else:
            apps.setdefault(person, {})[(hour, app)] = seconds
    return Contributions(hours, apps)


def team_names(connection: Connection) -> dict[int, str]:
    """Team id -> name, for the teams of eligible people."""
    frame = load_people(connection).select("team_id", "team").unique().collect()
    return dict(frame.iter_rows())
