"""The retention purge: apply the policy's rules to every table and the object store.

Order matters for crash safety: expired screenshot objects go first (whole UTC days, every
version), then rows (on PostgreSQL whole expired months first: partitions are settled and
next month's created before), then whatever erased people left behind; last the copies: the
installation's lake is rewritten without the purged rows and the database files compacted.
Every part is idempotent, so a purge killed midway and run again finishes exactly as an
uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert, update

from services.retention.rules import export_cutoff, first_kept_day, plan_purge
from storage.db.compact import compact
from storage.db.schema import PERSON_SERIES, retention_runs
from storage.objects import ObjectStore
from storage.retention import (
    ERASED,
    count_expired,
    count_orphans,
    count_versions,
    purge_orphans,
    purge_prefixes,
    purge_step,
)
from storage.retention_months import maintain_partitions
from storage.retention_objects import count_key_versions, delete_keys, expired_objects

DEFAULT_BATCH = 5_000


@dataclass
class PurgeReport:
    """What a purge removed (or, dry, would remove): category -> what -> count."""

    as_of: date
    dry_run: bool
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    copies: dict[str, Any] = field(default_factory=dict)  # lake and database files, after
    # Object keys under subjects/ that no rule dates (month 13, junk names…): skipped by the
    # day-folder logic, purged as expired by default, listed here for the DPO.
    unparsable_keys: list[str] = field(default_factory=list)

    def add(self, category: str, what: str, n: int) -> None:
        """Add ``n`` to the count of ``what`` in ``category``."""
        bucket = self.counts.setdefault(category, {})
        bucket[what] = bucket.get(what, 0) + n

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, stable for scripts."""
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "counts": self.counts,
            "copies": self.copies,
            "unparsable_keys": {"count": len(self.unparsable_keys), "keys": self.unparsable_keys},
        }


def _objects(
    engine: Engine,
    objects: ObjectStore,
    retention_days: Mapping[str, int],
    report: PurgeReport,
) -> None:
    cutoff = first_kept_day(report.as_of, retention_days["screenshots"])
    expired = expired_objects(engine, objects, cutoff, export_cutoff(retention_days, report.as_of))
    for category, found in expired.prefixes.items():
        n = count_versions(objects, found) if report.dry_run else purge_prefixes(objects, found)
        report.add(category, "object versions", n)
    odd = expired.unparsable_expired
    if odd:
        n = count_key_versions(objects, odd) if report.dry_run else delete_keys(objects, odd)
        report.add("screenshots", "unparsable object versions", n)
    if expired.exports:
        gone = expired.exports
        n = count_key_versions(objects, gone) if report.dry_run else delete_keys(objects, gone)
        report.add("exports", "object versions", n)
    report.unparsable_keys = expired.unparsable


def _rows(
    engine: Engine,
    retention_days: Mapping[str, int],
    report: PurgeReport,
    batch_size: int,
    on_batch: Callable[[int], None] | None,
) -> None:
    for step in plan_purge(retention_days, report.as_of):
        what = f"{step.table}.{step.clear} cleared" if step.clear else step.table
        if report.dry_run:
            with engine.connect() as connection:
                n, _ = count_expired(connection, step)
        else:
            n = purge_step(engine, step, batch_size, on_batch)
        report.add(step.category, what, n)


def _orphans(engine: Engine, report: PurgeReport, batch_size: int) -> None:
    if report.dry_run:
        with engine.connect() as connection:
            report.add(ERASED, "series rows", sum(count_orphans(connection).values()))
    else:
        report.add(ERASED, "series rows", purge_orphans(engine, batch_size))


def _copies(
    engine: Engine, objects: ObjectStore, retention_days: Mapping[str, int], report: PurgeReport
) -> None:
    """After the deletions: the lake without the purged rows, and the database files without
    their bytes (SQLite WAL truncated; a plain VACUUM of the purged tables on PostgreSQL)."""
    from analytics.lake.erased import refresh_after_deletion  # polars: only when purging

    lake = refresh_after_deletion(engine, objects, datetime.now(UTC))
    report.copies["lake"] = lake.as_dict() if lake is not None else {"exported": False}
    tables = {step.table for step in plan_purge(retention_days, report.as_of)}
    compacted = compact(engine, tables | {t.name for t in PERSON_SERIES}, rewrite=False)
    report.copies["database"] = compacted.to_json()


def run_purge(
    engine: Engine,
    objects: ObjectStore,
    retention_days: Mapping[str, int],
    as_of: date,
    *,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[int], None] | None = None,
    departed: Callable[[bool], dict[str, int]] | None = None,
) -> PurgeReport:
    """Purge (or count, when ``dry_run``) everything expired on ``as_of``; log real runs.

    ``departed(dry_run)`` erases the people past their post-employment period (it needs
    the key vault, which the purge does not hold: ``services.offboarding``); its counts are
    the run's "post-employment" category.
    """
    report = PurgeReport(as_of, dry_run)
    run_id = None
    if not dry_run:
        with engine.begin() as connection:
            run_id = connection.execute(
                insert(retention_runs).values(started_at=datetime.now(UTC), as_of=as_of, counts={})
            ).inserted_primary_key[0]  # type: ignore[index]
        maintain_partitions(engine, datetime.now(UTC))
    _objects(engine, objects, retention_days, report)
    _rows(engine, retention_days, report, batch_size, on_batch)
    _orphans(engine, report, batch_size)
    if departed is not None:  # before the copies: the lake and files are settled once
        report.counts["post-employment"] = departed(dry_run)
    if not dry_run:
        _copies(engine, objects, retention_days, report)
    if run_id is not None:
        with engine.begin() as connection:
            connection.execute(
                update(retention_runs)
                .where(retention_runs.c.id == run_id)
                .values(finished_at=datetime.now(UTC), counts=report.counts)
            )
    return report
