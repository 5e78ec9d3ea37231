"""The lake export: analytics tables as month-partitioned Parquet in an object store.

Layout (hive style, read as it is by polars, DuckDB, Spark or Trino)::

    <prefix>people/part-00000.parquet
    <prefix><dataset>/month=YYYY-MM/part-00000.parquet   (part-00001 … for big months)
    <prefix>_manifest.json                               (what was written, per month)

Incremental: each month's fingerprint (row count and column sums, computed in the database)
is kept in the manifest; a re-run rewrites only months whose fingerprint changed, deletes
months that no longer hold rows (purged, or their people became ineligible) and leaves the
rest alone. Every file is put atomically by the object store, and the manifest is written
last, so a run that dies midway is finished by the next one.

Who is exported follows the analytics loaders: people who restricted processing, objected
or withdrew consent are left out (invariant 6), since the lake is the data team's analytics
source and must not become a way around the loaders' rule.

Per-person rows (people and every person series) are exported only under a live grant of the
DPO to the exporting account (``analytics.lake.granted``), and only the granted days: without
one the export writes the default surface (``PUBLISHED_DATASETS``) and deletes every person
month an earlier granted export left, so a lake never outlives its grant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from analytics.errors import GrantRequired
from analytics.lake.datasets import DATASETS, LakeDataset, Period, fingerprints_query, is_personal
from analytics.lake.parts import delete_parts, parquet_bytes, part_key, write_month
from analytics.loaders.base import load_people
from storage.errors import ObjectNotFound
from storage.grants import Grant
from storage.objects import ObjectStore

MANIFEST = "_manifest.json"
Progress = Callable[[int, int], None]


@dataclass
class LakeReport:
    """What one run did."""

    written: dict[str, list[str]] = field(default_factory=dict)  # dataset -> months
    deleted: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (stable keys for scripts)."""
        return {
            "months_written": sum(len(m) for m in self.written.values()),
            "months_deleted": sum(len(m) for m in self.deleted.values()),
            "months_unchanged": self.unchanged,
            "rows_written": self.rows,
            "written": self.written,
            "deleted": self.deleted,
        }


def export_lake(
    engine: Engine,
    store: ObjectStore,
    now: datetime,
    *,
    prefix: str = "",
    full: bool = False,
    progress: Progress | None = None,
    grant: Grant | None = None,
) -> LakeReport:
    """Export (incrementally unless ``full``) the lake under ``prefix`` of ``store``.

    Person rows only with ``grant`` (live at ``now``; see ``granted.check_grant``), limited to
    its days; without it the default surface alone.
    """
    if grant is not None and not grant.is_live(now):
        raise GrantRequired(f"grant {grant.id} is {grant.state(now)}: no person rows leave")
    period = None if grant is None else (grant.period_from, grant.period_to)
    try:
        previous: dict[str, dict[str, Any]] = read_manifest(store, prefix).get("datasets", {})
    except ValueError:
        if not full:
            raise
        previous = {}  # --full rewrites everything: a broken manifest does not matter
    report = LakeReport()
    with _snapshot(engine) as connection:
        plan = {
            d.name: _plan(connection, d, {} if full else previous.get(d.name, {}), period)
            for d in DATASETS
        }
        total = sum(len(todo) for _current, todo in plan.values()) + 1
        ticks = _Ticks(progress, total)
        state = _people_state(connection, store, prefix, previous, full, period, report)
        for dataset in DATASETS:
            current, todo = plan[dataset.name]
            before = previous.get(dataset.name, {})
            state[dataset.name] = _export_dataset(
                connection, store, prefix, (dataset, period), current, todo, before, report, ticks
            )
    document = {
        "format": "traqnext-lake/1",
        "exported_at": now.isoformat(),
        "person_rows": None if grant is None else _grant_note(grant),
        "datasets": state,
    }
    store.overwrite(prefix + MANIFEST, json.dumps(document, indent=1, sort_keys=True).encode())
    ticks.finish()
    return report


@dataclass
class _Ticks:
    """Progress over the months to write (plus one for the manifest)."""

    progress: Progress | None
    total: int
    done: int = 0

    def tick(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.progress:
            self.progress(self.total, self.total)


def _grant_note(grant: Grant) -> dict[str, Any]:
    """What the manifest says about the grant the person rows were exported under."""
    return {"grant": grant.id, "from": str(grant.period_from), "to": str(grant.period_to)}


def _people_state(
    connection: Connection,
    store: ObjectStore,
    prefix: str,
    previous: dict[str, Any],
    full: bool,
    period: Period | None,
    report: LakeReport,
) -> dict[str, dict[str, Any]]:
    """The people file: written under a grant, deleted (if an earlier export left it) without."""
    if period is None:
        if store.exists(part_key(prefix, "people", None, 0)):
            delete_parts(store, prefix, "people", None, 0, 1)
            report.deleted["people"] = []
        return {}
    people = _export_people(connection, store, prefix, {} if full else previous.get("people", {}))
    if people.pop("written"):
        report.written["people"] = []
    return {"people": people}


def _export_dataset(
    connection: Connection,
    store: ObjectStore,
    prefix: str,
    scope: tuple[LakeDataset, Period | None],
    current: dict[str, str],
    todo: list[str],
    before: dict[str, Any],
    report: LakeReport,
    ticks: _Ticks,
) -> dict[str, Any]:
    """Write the dataset's changed months, delete its vanished ones; return its manifest."""
    dataset, period = scope
    entries = {m: e for m, e in before.items() if m in current}
    for month in todo:
        parts, rows = write_month(connection, store, prefix, dataset, month, period)
        stale = int(before.get(month, {}).get("parts", 0))
        delete_parts(store, prefix, dataset.name, month, parts, stale)
        entries[month] = {"fingerprint": current[month], "parts": parts, "rows": rows}
        report.written.setdefault(dataset.name, []).append(month)
        report.rows += rows
        ticks.tick()
    for month, entry in before.items():
        if month not in current:
            delete_parts(store, prefix, dataset.name, month, 0, int(entry["parts"]))
            report.deleted.setdefault(dataset.name, []).append(month)
    report.unchanged += len(current) - len(todo)
    return dict(sorted(entries.items()))


def read_manifest(store: ObjectStore, prefix: str = "") -> dict[str, Any]:
    """The manifest of the last run, or an empty one before the first."""
    try:
        document: dict[str, Any] = json.loads(store.get(prefix + MANIFEST))
    except ObjectNotFound:
        return {}
    except ValueError as exc:
        raise ValueError("the lake's manifest is not valid JSON; rerun with --full") from exc
    return document


class _snapshot:  # noqa: N801 (used as a context manager)
    """One read transaction, so every dataset is exported from the same state."""

    def __init__(self, engine: Engine) -> None:
        options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name != "sqlite" else {}
        self._connection = engine.connect().execution_options(**options)

    def __enter__(self) -> Connection:
        self._connection.begin()
        return self._connection

    def __exit__(self, *exc: object) -> None:
        self._connection.rollback()  # read only: nothing to commit
        self._connection.close()


def _plan(
    connection: Connection, dataset: LakeDataset, old: dict[str, Any], period: Period | None
) -> tuple[dict[str, str], list[str]]:
    """Current fingerprints by month, and the months to (re)write (none of a person dataset
    without a grant: its earlier months are then deleted)."""
    if is_personal(dataset) and period is None:
        return {}, []
    current = {
        str(row[0]): json.dumps([int(v or 0) for v in row[1:]])
        for row in connection.execute(fingerprints_query(connection, dataset, period))
    }
    todo = [m for m, fp in current.items() if old.get(m, {}).get("fingerprint") != fp]
    return current, todo


def _export_people(
    connection: Connection, store: ObjectStore, prefix: str, previous: dict[str, Any]
) -> dict[str, Any]:
    """People as the loaders see them (small: rewritten whole when it changed)."""
    frame = load_people(connection).collect()
    data = parquet_bytes(frame)
    fingerprint = hashlib.sha256(frame.write_csv().encode()).hexdigest()
    key = part_key(prefix, "people", None, 0)
    written = previous.get("fingerprint") != fingerprint or not store.exists(key)
    if written:
        store.overwrite(key, data)
    return {"fingerprint": fingerprint, "parts": 1, "rows": frame.height, "written": written}
