"""What the lake holds: each exported dataset, its columns, and how its months are found.

Only analytics tables go to the lake, never screenshots or window titles: spans are exported
without ``title_ct``, and people without name, e-mail or pseudonym (the loaders' view:
``person_id, team_id, team, department, timezone``). Epoch series are partitioned by their
UTC month, daily rollups by the month of their local day.

Per-person rows (``PERSON_DATASETS``) are exported only under a DPO's grant to the exporting
account and only for the granted days (issue 15): ``Period`` bounds every query. What any
export writes without a grant is ``PUBLISHED_DATASETS``, the lake's default surface.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import polars as pl
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Select,
    Table,
    func,
    literal_column,
    select,
)

from analytics.loaders.base import eligible
from storage.db.schema import (
    activity_10min,
    activity_daily,
    activity_minutes,
    app_daily,
    app_spans,
    people,
    publication_cells,
    publication_units,
)

TimeKind = Literal["epoch", "date"]
Period = tuple[date, date]  # the granted days, first and last inclusive


@dataclass(frozen=True)
class LakeDataset:
    """One month-partitioned dataset of the lake."""

    table: Table
    columns: tuple[str, ...]
    time_column: str
    kind: TimeKind

    @property
    def name(self) -> str:
        """The dataset's folder in the lake (the table's name)."""
        return self.table.name

    def schema(self) -> dict[str, Any]:
        """The Parquet column types (integers as Int64, floats as Float64, days as Date, text
        as String)."""
        kinds = {date: pl.Date, str: pl.String, float: pl.Float64}
        return {
            name: kinds.get(self.table.c[name].type.python_type, pl.Int64) for name in self.columns
        }


def _series(table: Table, time_column: str, kind: TimeKind, *skip: str) -> LakeDataset:
    columns = tuple(c.name for c in table.c if c.name not in skip)
    return LakeDataset(table, columns, time_column, kind)


PERSON_DATASETS: tuple[LakeDataset, ...] = (
    _series(activity_minutes, "minute", "epoch"),
    _series(app_spans, "start_ts", "epoch", "title_ct"),  # titles never leave the database
    _series(activity_10min, "slot_start", "epoch"),
    _series(activity_daily, "day", "date"),
    _series(app_daily, "day", "date"),
)

# The lake's default surface, written by every export with or without a grant: the published
# statistics (units per day and their cells), which hold no per-person row. A suppressed cell
# never leaves (``_allowed``): its key would name a hidden application.
PUBLISHED_DATASETS: tuple[LakeDataset, ...] = (
    _series(publication_units, "day", "date"),
    _series(publication_cells, "day", "date"),
)

DATASETS: tuple[LakeDataset, ...] = PUBLISHED_DATASETS + PERSON_DATASETS


def month_of(connection: Connection, dataset: LakeDataset) -> ColumnElement[str]:
    """SQL for the ``YYYY-MM`` month of a row, the same on SQLite and PostgreSQL."""
    column = f'"{dataset.table.name}"."{dataset.time_column}"'
    sqlite = connection.dialect.name == "sqlite"
    if dataset.kind == "epoch":
        sql = (
            f"strftime('%Y-%m', {column}, 'unixepoch')"
            if sqlite
            else f"to_char(to_timestamp({column}) AT TIME ZONE 'UTC', 'YYYY-MM')"
        )
    else:
        sql = f"substr({column}, 1, 7)" if sqlite else f"to_char({column}, 'YYYY-MM')"
    return literal_column(sql)


def is_personal(dataset: LakeDataset) -> bool:
    """True for datasets of per-person rows (keyed by ``person_id``): a grant's alone."""
    return "person_id" in dataset.table.c


def _of_eligible(table: Table) -> ColumnElement[bool]:
    # Restricted, objecting and withdrawn people are left out, as the analytics loaders do.
    return table.c.person_id.in_(select(people.c.id).where(*eligible()))


def _bounds(dataset: LakeDataset, first: date, after: date) -> list[ColumnElement[bool]]:
    """Range conditions for the days ``first`` … ``after - 1`` (index-friendly)."""
    column = dataset.table.c[dataset.time_column]
    if dataset.kind == "date":
        return [column >= first, column < after]
    lo, hi = (int(datetime.combine(d, time(), UTC).timestamp()) for d in (first, after))
    return [column >= lo, column < hi]


def _allowed(dataset: LakeDataset, period: Period | None) -> list[ColumnElement[bool]]:
    """Which rows may leave: published cells, person rows of eligible people inside the
    granted period."""
    if dataset.table is publication_cells:
        return [publication_cells.c.people.is_not(None)]
    if not is_personal(dataset):
        return []
    if period is None:  # no grant: not one person row (the caller skips these datasets)
        return [literal_column("1") == literal_column("0")]
    first, last = period
    return [_of_eligible(dataset.table), *_bounds(dataset, first, last + timedelta(days=1))]


def fingerprints_query(
    connection: Connection, dataset: LakeDataset, period: Period | None
) -> Select[Any]:
    """Per month: a row count and sums of every column, to tell which months changed.

    Sums of lengths stand in for text columns; a change that keeps every count and sum
    equal goes unnoticed until ``--full``, which is rare enough for a nightly export.
    """
    table = dataset.table
    month = month_of(connection, dataset)
    measures: list[ColumnElement[Any]] = [func.count()]
    for name in dataset.columns:
        column: Column[Any] = table.c[name]
        python = column.type.python_type
        if python is str:
            measures.append(func.sum(func.length(func.coalesce(column, ""))))
        elif python is int:
            measures.append(func.sum(column))
    return (
        select(month.label("month"), *measures)
        .where(*_allowed(dataset, period))
        .group_by(month)
        .order_by(month)
    )


def _month_bounds(dataset: LakeDataset, month: str) -> list[ColumnElement[bool]]:
    """Range conditions for ``month`` (``YYYY-MM``): index-friendly, unlike a month expression."""
    year, number = (int(part) for part in month.split("-"))
    return _bounds(dataset, date(year, number, 1), date(year + number // 12, number % 12 + 1, 1))


def month_rows_query(dataset: LakeDataset, month: str | None, period: Period | None) -> Select[Any]:
    """Every row of ``month`` (all months: None) that may leave (``_allowed``), in key order."""
    table = dataset.table
    columns = [table.c[name] for name in dataset.columns]
    order = [table.c.person_id] if is_personal(dataset) else []
    months = [] if month is None else _month_bounds(dataset, month)
    return (
        select(*columns)
        .where(*_allowed(dataset, period), *months)
        .order_by(*order, table.c[dataset.time_column])
    )
