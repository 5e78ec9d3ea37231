"""Monthly partitions of the high-volume series on PostgreSQL (SQLite keeps plain tables).

``activity_minutes`` and ``app_spans`` are ``PARTITION BY RANGE`` on their epoch-second time
column, one partition per UTC month (``<table>_pYYYYMM``), plus a DEFAULT partition. Why both:

- the bulk writer creates the months a batch needs before it copies (``ensure_months``), so
  the demo, imports and uploads land in month partitions that a purge can drop whole;
- the DEFAULT partition catches any row written by another path (an upsert from the
  collector sink, a test's plain INSERT) for a month without a partition, so that no write
  ever fails for lack of a partition, past or future;
- ``settle_default`` (run by every purge, and by the migration) moves such rows into their
  month's partition, so the DEFAULT partition stays empty and cheap to check.

Creating a partition takes an exclusive lock on the parent until the transaction ends and
fails if the DEFAULT partition holds rows of that month; the writer therefore tries it in a
savepoint and, if it fails, lets the rows go to DEFAULT (settled later) instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

# Partitioned table -> its partition key (epoch seconds, UTC).
PARTITIONED: dict[str, str] = {"activity_minutes": "minute", "app_spans": "start_ts"}
_MONTH_NAME = re.compile(r"_p(\d{4})(\d{2})$")


@dataclass(frozen=True)
class Partition:
    """One month partition: its table name and epoch bounds ``[lower, upper)``."""

    name: str
    lower: int
    upper: int


def month_start(epoch: int) -> tuple[int, int]:
    """(year, month) of the UTC month holding ``epoch``."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.year, moment.month


def month_bounds(year: int, month: int) -> tuple[int, int]:
    """Epoch seconds of the first instant of the month and of the next month (UTC)."""
    following = (year + month // 12, month % 12 + 1)
    lower = datetime(year, month, 1, tzinfo=UTC)
    upper = datetime(*following, 1, tzinfo=UTC)
    return int(lower.timestamp()), int(upper.timestamp())


def months_between(lower: int, upper: int) -> Iterator[tuple[int, int]]:
    """Every (year, month) from the month of ``lower`` to that of ``upper``, inclusive."""
    year, month = month_start(lower)
    last = month_start(upper)
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def partition_name(table: str, year: int, month: int) -> str:
    """The name of ``table``'s partition for one month."""
    return f"{table}_p{year:04d}{month:02d}"


def default_name(table: str) -> str:
    """The name of ``table``'s DEFAULT partition."""
    return f"{table}_default"


def is_partitioned(connection: Connection, table: str) -> bool:
    """Whether ``table`` is a partitioned table here (PostgreSQL at schema 0006 or later)."""
    if connection.dialect.name != "postgresql":
        return False
    found = connection.execute(
        text("SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(:t)"),
        {"t": table},
    ).first()
    return found is not None


def month_partitions(connection: Connection, table: str) -> list[Partition]:
    """``table``'s month partitions, oldest first (not the DEFAULT one); none on SQLite."""
    if connection.dialect.name != "postgresql":
        return []
    names = connection.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(:t)"
        ),
        {"t": table},
    ).scalars()
    found = []
    for name in names:
        match = _MONTH_NAME.search(name)
        if match and name == partition_name(table, int(match[1]), int(match[2])):
            found.append(Partition(name, *month_bounds(int(match[1]), int(match[2]))))
    return sorted(found, key=lambda p: p.lower)


def create_month(connection: Connection, table: str, year: int, month: int) -> None:
    """Create one month partition in the caller's transaction (it must not exist yet)."""
    lower, upper = month_bounds(year, month)
    connection.exec_driver_sql(
        f'CREATE TABLE "{partition_name(table, year, month)}" PARTITION OF "{table}" '
        f"FOR VALUES FROM ({lower}) TO ({upper})"
    )


def ensure_months(connection: Connection, table: str, lower: int, upper: int) -> list[str]:
    """Create the missing month partitions covering epochs ``lower``..``upper``; best effort.

    Each creation runs in a savepoint: if it cannot be made now (the DEFAULT partition holds
    rows of that month, or a concurrent writer holds the lock in a deadlock), the rows go to
    DEFAULT and ``settle_default`` moves them later. Returns the partitions created.
    """
    if not is_partitioned(connection, table):
        return []
    existing = {p.name for p in month_partitions(connection, table)}
    created = []
    for year, month in months_between(lower, upper):
        if partition_name(table, year, month) in existing:
            continue
        try:
            with connection.begin_nested():
                create_month(connection, table, year, month)
        except DBAPIError:
            continue
        created.append(partition_name(table, year, month))
    return created


def settle_default(engine: Engine, table: str) -> int:
    """Move every row of ``table``'s DEFAULT partition into its month's partition.

    One transaction per month: the rows leave DEFAULT for a temporary table, the month's
    partition is created, and the rows go back through the parent. Returns rows moved.
    """
    column, default = PARTITIONED[table], default_name(table)
    moved = 0
    with engine.connect() as connection:
        if not is_partitioned(connection, table):
            return 0
        firsts = connection.execute(
            text(
                f'SELECT min("{column}") FROM "{default}" '
                f"GROUP BY date_trunc('month', to_timestamp(\"{column}\") AT TIME ZONE 'UTC')"
            )
        ).scalars()
        months = sorted({month_start(int(first)) for first in firsts})
    for year, month in months:
        lower, upper = month_bounds(year, month)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                f'CREATE TEMP TABLE "_moving" (LIKE "{table}") ON COMMIT DROP'
            )
            connection.exec_driver_sql(
                f'WITH gone AS (DELETE FROM "{default}" WHERE "{column}" >= {lower} '
                f'AND "{column}" < {upper} RETURNING *) INSERT INTO "_moving" SELECT * FROM gone'
            )
            if partition_name(table, year, month) not in {
                p.name for p in month_partitions(connection, table)
            }:
                create_month(connection, table, year, month)
            moved += connection.exec_driver_sql(
                f'INSERT INTO "{table}" SELECT * FROM "_moving"'
            ).rowcount
    return moved
