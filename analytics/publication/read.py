"""Reading published cells: what pages, downloads and the organisation page sum.

A manager sees the units *hosted* by a team they manage (the team the unit is named after):
a small team folded into a neighbour's unit is seen by that neighbour's manager, within
the unit's figures, and never on its own.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import func, select

from analytics.loaders.base import Source, connected, fetch
from analytics.periods import Period
from storage.db.schema import publication_cells, publication_days, publication_units

UNIT_SCHEMA: dict[str, Any] = {
    "day": pl.Date, "team_id": pl.Int64, "unit_id": pl.Int64, "team_name": pl.String,
}  # fmt: skip
CELL_SCHEMA: dict[str, Any] = {
    "day": pl.Date, "unit_id": pl.Int64, "kind": pl.String, "key": pl.String,
    "people": pl.Int64, "tracked": pl.Float64, "active": pl.Float64, "seconds": pl.Float64,
}  # fmt: skip


def load_published(
    source: Source,
    period: Period,
    team_ids: Collection[int] | None = None,
    kinds: Collection[str] | None = None,
) -> pl.DataFrame:
    """Published cells of ``period`` in the units hosted by ``team_ids`` (all if None), of
    ``kinds`` (all if None): ``day, unit_id, unit, host, kind, key, people, tracked, active,
    seconds, suppressed``."""
    u, c = publication_units.c, publication_cells.c
    in_period = (u.day >= period.first, u.day <= period.last)
    unit_rows = select(u.day, u.team_id, u.unit_id, u.team_name).where(*in_period)
    cell_rows = select(c.day, c.unit_id, c.kind, c.key, c.people)
    cell_rows = cell_rows.add_columns(c.tracked_seconds, c.active_seconds, c.seconds)
    cell_rows = cell_rows.where(c.day >= period.first, c.day <= period.last)
    if team_ids is not None:
        cell_rows = cell_rows.where(c.unit_id.in_(sorted(team_ids)))
    if kinds is not None:  # a figure reads only the cells it sums
        cell_rows = cell_rows.where(c.kind.in_(sorted(kinds)))
    with connected(source) as connection:
        units = fetch(connection, unit_rows, UNIT_SCHEMA)
        cells = fetch(connection, cell_rows, CELL_SCHEMA)
    return cells.join(_labels(units), on=["day", "unit_id"], how="inner").with_columns(
        pl.col("people").is_null().alias("suppressed")
    )


def _labels(units: pl.DataFrame) -> pl.DataFrame:
    """Per day and unit: ``unit`` (its teams, host first: "Platform + Legal"), ``host``."""
    hosts = units.filter(pl.col("team_id") == pl.col("unit_id")).select(
        "day", "unit_id", pl.col("team_name").alias("host")
    )
    guests = (
        units.filter(pl.col("team_id") != pl.col("unit_id"))
        .sort("team_name")
        .group_by("day", "unit_id", maintain_order=True)
        .agg(pl.col("team_name").str.join(" + ").alias("guests"))
    )
    return hosts.join(guests, on=["day", "unit_id"], how="left").select(
        "day",
        "unit_id",
        "host",
        pl.when(pl.col("guests").is_null())
        .then(pl.col("host"))
        .otherwise(pl.col("host") + " + " + pl.col("guests"))
        .alias("unit"),
    )


def published_span(source: Source) -> tuple[date | None, date | None]:
    """The first and last published days holding a unit (None before any)."""
    u = publication_units.c
    with connected(source) as connection:
        first, last = connection.execute(select(func.min(u.day), func.max(u.day))).one()
    return _date(first), _date(last)


def publication_version(source: Source) -> tuple[int, str]:
    """How many days are published and when the newest was: a cache key that changes only
    when a day is published (published cells never change)."""
    d = publication_days.c
    with connected(source) as connection:
        count, newest = connection.execute(select(func.count(), func.max(d.published_at))).one()
    return int(count), str(newest)


def folded_into(source: Source, period: Period, team_ids: Collection[int]) -> dict[int, int]:
    """Each of ``team_ids`` published inside another team's unit in ``period``: team ->
    the unit's team (the latest day's, when it moved)."""
    u = publication_units.c
    statement = (
        select(u.team_id, u.unit_id)
        .where(
            u.day >= period.first, u.day <= period.last,
            u.team_id.in_(sorted(team_ids)), u.team_id != u.unit_id,
        )
        .order_by(u.day)
    )  # fmt: skip
    with connected(source) as connection:
        return {int(team): int(unit) for team, unit in connection.execute(statement)}


def published_k(source: Source, period: Period) -> int | None:
    """The largest k the days of ``period`` were published with (None if none was)."""
    d = publication_days.c
    statement = select(func.max(d.k)).where(d.day >= period.first, d.day <= period.last)
    with connected(source) as connection:
        value = connection.execute(statement).scalar_one()
    return int(value) if value is not None else None


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
