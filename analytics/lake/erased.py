"""Keeping the installation's own lake free of erased people, and proving it.

After an erasure (or a purge) commits, the months that lost rows have a new fingerprint, so
an incremental export rewrites exactly those partitions (and the people table) and deletes
the months left empty; parts are rewritten with ``ObjectStore.overwrite`` and deleted with
every version, so no older object version keeps the rows. The audit reads every part's
``person_id`` column (not the manifest: a part a killed run left behind counts too).

Only the lake under ``LAKE_PREFIX`` of the installation's object store is kept in step: a
lake exported elsewhere with ``traq export parquet --to`` is the operator's copy to re-export.
"""

from __future__ import annotations

import io
from datetime import datetime

import polars as pl
from sqlalchemy import Engine, select

from analytics.lake.export import LakeReport, export_lake, read_manifest
from storage.db.schema import people
from storage.objects import ObjectStore
from storage.retention import stale_versions

LAKE_PREFIX = "lake/"  # inside the installation's own object store, beside subjects/


def refresh_after_deletion(
    engine: Engine, store: ObjectStore, now: datetime, prefix: str = LAKE_PREFIX
) -> LakeReport | None:
    """Rewrite the lake's partitions that lost rows; None when no lake was ever exported."""
    try:
        if not read_manifest(store, prefix):
            return None
    except ValueError:
        return export_lake(engine, store, now, prefix=prefix, full=True)
    return export_lake(engine, store, now, prefix=prefix)


def rows_of_unknown_people(
    engine: Engine, store: ObjectStore, prefix: str = LAKE_PREFIX
) -> dict[str, int]:
    """Rows per dataset whose person is no longer in the database (erased); none is a pass."""
    with engine.connect() as connection:
        known = pl.Series("person_id", list(connection.execute(select(people.c.id)).scalars()))
    found: dict[str, int] = {}
    for key in store.list_keys(prefix):
        if not key.endswith(".parquet") or key.removeprefix(prefix).startswith("publication_"):
            continue  # the published tables hold no person rows
        frame = pl.read_parquet(io.BytesIO(store.get(key)), columns=["person_id"])
        unknown = frame.filter(~pl.col("person_id").is_in(known.implode())).height
        if unknown:
            dataset = key.removeprefix(prefix).split("/", 1)[0]
            found[dataset] = found.get(dataset, 0) + unknown
    return found


def lake_evidence(engine: Engine, store: ObjectStore, prefix: str = LAKE_PREFIX) -> dict[str, int]:
    """The audit's view of the lake: erased people's rows, and versions rewrites left behind."""
    evidence = {
        f"lake_rows.{name}": n for name, n in rows_of_unknown_people(engine, store, prefix).items()
    }
    evidence["lake_old_versions"] = stale_versions(store, prefix, overwritten=True)
    return evidence
