"""Retention on monthly partitions (PostgreSQL): drop whole expired months, keep the layout.

A month partition whose every row is past the cutoff is dropped in one short transaction
(detach, count, drop), which costs the same for ten rows or ten million. A month holding a
row of someone on legal hold is left attached: the batched delete (``storage.retention``)
then removes its other rows, as it does for the partial month at the cutoff. Each drop is
its own transaction, so a purge killed between two drops resumes with the next.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, text

from storage.db.partitions import (
    PARTITIONED,
    Partition,
    ensure_months,
    is_partitioned,
    month_partitions,
    settle_default,
)

_HELD = "SELECT id FROM people WHERE legal_hold_reason IS NOT NULL"


def expired_months(connection: Connection, table: str, cutoff: int) -> list[Partition]:
    """``table``'s month partitions that end on or before epoch ``cutoff``."""
    if table not in PARTITIONED or not is_partitioned(connection, table):
        return []
    return [p for p in month_partitions(connection, table) if p.upper <= cutoff]


def _drop(connection: Connection, table: str, partition: Partition) -> int | None:
    """Detach, count and drop one partition; None (and nothing done) if it holds held rows."""
    connection.exec_driver_sql(f'ALTER TABLE "{table}" DETACH PARTITION "{partition.name}"')
    held = connection.execute(
        text(f'SELECT EXISTS (SELECT 1 FROM "{partition.name}" WHERE person_id IN ({_HELD}))')
    ).scalar_one()
    if held:
        return None
    count = int(connection.execute(text(f'SELECT count(*) FROM "{partition.name}"')).scalar_one())
    connection.exec_driver_sql(f'DROP TABLE "{partition.name}"')
    return count


def drop_expired_months(
    engine: Engine, table: str, cutoff: int, on_batch: Callable[[int], None] | None = None
) -> int:
    """Drop every month partition of ``table`` wholly before ``cutoff``; return rows dropped."""
    with engine.connect() as connection:
        expired = expired_months(connection, table, cutoff)
    total = 0
    for partition in expired:
        with engine.connect() as connection:
            transaction = connection.begin()
            dropped = _drop(connection, table, partition)
            if dropped is None:
                transaction.rollback()  # re-attaches it: the batched delete takes its rows
                continue
            transaction.commit()
        total += dropped
        if on_batch is not None:
            on_batch(dropped)
    return total


def maintain_partitions(engine: Engine, now: datetime) -> int:
    """Settle DEFAULT partitions and create this month's and next month's partitions.

    Run before each purge, so that rows written by paths that create no partition (the
    collector's upserts) land in month partitions a later purge can drop. Returns rows moved.
    """
    moved = 0
    for table in PARTITIONED:
        moved += settle_default(engine, table)
        with engine.begin() as connection:
            ahead = now + timedelta(days=31)
            ensure_months(connection, table, int(now.timestamp()), int(ahead.timestamp()))
    return moved
