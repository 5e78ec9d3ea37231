"""Published statistics at rest: insert-only days, units and cells (issue 15).

A day is written once, in one transaction, with its units and cells; writing a day that is
already there changes nothing (released once). Nothing here holds a person id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from storage.db.schema import publication_cells, publication_days, publication_units

UNIT_COLUMNS = ("day", "team_id", "unit_id", "team_name")
CELL_COLUMNS = (
    "day", "unit_id", "kind", "key", "people", "tracked_seconds", "active_seconds", "seconds",
)  # fmt: skip


def published_days(connection: Connection, first: date, last: date) -> set[date]:
    """The days between ``first`` and ``last`` already published."""
    d = publication_days.c
    rows = connection.execute(select(d.day).where(d.day >= first, d.day <= last))
    return {_day(value) for (value,) in rows}


def write_day(
    connection: Connection,
    day: date,
    stamp: tuple[datetime, int, str, float | None],
    units: Sequence[tuple[Any, ...]],
    cells: Sequence[tuple[Any, ...]],
) -> bool:
    """Publish ``day`` (``stamp``: published at, k, policy version, epsilon) with its units
    and cells, unless it is published already; True if it was written now."""
    at, k, version, epsilon = stamp
    with connection.begin_nested():
        if day in published_days(connection, day, day):
            return False
        try:
            connection.execute(
                publication_days.insert().values(
                    day=day, published_at=at, k=k, policy_version=version, epsilon=epsilon
                )
            )
        except IntegrityError:  # another process published it first: released once
            return False
        if units:
            connection.execute(
                publication_units.insert(), [dict(zip(UNIT_COLUMNS, u, strict=True)) for u in units]
            )
        if cells:
            connection.execute(
                publication_cells.insert(), [dict(zip(CELL_COLUMNS, c, strict=True)) for c in cells]
            )
    return True


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
