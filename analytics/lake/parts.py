"""The lake's files: keys of month parts, Parquet bytes, writing and deleting parts."""

from __future__ import annotations

import io
from collections.abc import Iterator

import polars as pl
from sqlalchemy import Connection

from analytics.lake.datasets import LakeDataset, Period, month_rows_query
from storage.objects import ObjectStore

CHUNK_ROWS = 500_000  # rows per Parquet part: bounds memory on big months


def part_key(prefix: str, dataset: str, month: str | None, part: int) -> str:
    folder = f"{dataset}/" if month is None else f"{dataset}/month={month}/"
    return f"{prefix}{folder}part-{part:05d}.parquet"


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=True)
    return buffer.getvalue()


def _chunks(
    connection: Connection, dataset: LakeDataset, month: str, period: Period | None
) -> Iterator[pl.DataFrame]:
    # SQLAlchemy's rows (not the raw cursor): SQLite's ISO text days arrive as dates.
    schema = dataset.schema()
    result = connection.execute(month_rows_query(dataset, month, period))
    try:
        while rows := result.fetchmany(CHUNK_ROWS):
            yield pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    finally:
        result.close()


def write_month(
    connection: Connection,
    store: ObjectStore,
    prefix: str,
    dataset: LakeDataset,
    month: str,
    period: Period | None,
) -> tuple[int, int]:
    """Write the month's parts (rows inside ``period`` only, for person rows); (parts, rows)."""
    parts = rows = 0
    for frame in _chunks(connection, dataset, month, period):
        # overwrite: an older version of the part may hold rows of people since erased.
        store.overwrite(part_key(prefix, dataset.name, month, parts), parquet_bytes(frame))
        parts += 1
        rows += frame.height
    return parts, rows


def delete_parts(
    store: ObjectStore, prefix: str, dataset: str, month: str | None, keep: int, had: int
) -> None:
    """Delete parts ``keep`` … ``had - 1`` left over from a run that wrote more of them."""
    for part in range(keep, had):
        store.delete(part_key(prefix, dataset, month, part))
