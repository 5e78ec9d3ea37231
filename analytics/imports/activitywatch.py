"""Importing an ActivityWatch export into one person's data, in one transaction.

The file is parsed and mapped first (``aw_format``, ``aw_mapping``); then, in one database
transaction: the person is checked (known, with a live key, not restricted, objecting or
withdrawn), one device per host is found or created, titles are sealed to the person's
public key (as the collector does: the importer never holds a private key) or dropped by the
privacy policies, both batches are checked against their data contracts, rows are written
through storage's write path with ``OnConflict.IGNORE`` and the rollups refreshed. Keys are
deterministic (person, device by host name, minute or span start), so importing a file twice
changes nothing; any failure rolls everything back, so a bad file imports nothing.

A batch failing its contract is refused (not quarantined): the file is the user's, on
their disk, and the one-line error says which column and check failed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from activity.privacy_filter import apply_privacy_rules, rules_from_policy
from activity.window import WindowInfo
from analytics.errors import ImportRefused
from analytics.imports.aw_format import AwBucket, parse_export
from analytics.imports.aw_mapping import KNOWN_TYPES, HostActivity, WindowFilter, map_host
from data_contracts.ingest import check_batch
from storage import audit
from storage.crypto.envelope import Sealer
from storage.db.schema import MINUTE_COLUMNS, SPAN_COLUMNS, people
from storage.errors import KeyDestroyed
from storage.policies import load_policies
from storage.vault import public_key_for
from storage.writes import (
    OnConflict,
    add_device,
    find_device,
    refresh_extent,
    write_minutes,
    write_spans,
)

PLATFORM = "activitywatch"  # the platform of devices created by an import


@dataclass
class ImportReport:
    """What an import found and wrote."""

    buckets: int = 0
    skipped_buckets: int = 0  # of types we do not map (editor, terminal watchers, …)
    hosts: int = 0
    minutes: int = 0
    spans: int = 0
    minutes_written: int = 0
    spans_written: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return dict(vars(self))


def import_activitywatch(engine: Engine, raw: bytes, pseudonym: str, now: datetime) -> ImportReport:
    """Import the export ``raw`` for the person ``pseudonym`` (see module doc)."""
    buckets = parse_export(raw)
    report = ImportReport(buckets=len(buckets))
    report.skipped_buckets = sum(1 for b in buckets if b.type not in KNOWN_TYPES)
    with engine.begin() as connection:
        person_id, timezone = _person(connection, pseudonym)
        keep = _window_filter(connection)
        hosts = [map_host(h, bs, keep) for h, bs in _by_host(buckets).items()]
        hosts = [h for h in hosts if h.minutes or h.spans]
        report.hosts = len(hosts)
        minutes, spans = _rows(connection, person_id, pseudonym, hosts, now)
        report.minutes, report.spans = len(minutes), len(spans)
        _check("activity_minutes", MINUTE_COLUMNS, minutes)
        _check("app_spans", SPAN_COLUMNS, spans)
        # A second import of the same file keeps what the first stored: rows are ignored.
        report.minutes_written = write_minutes(connection, minutes, OnConflict.IGNORE)
        report.spans_written = write_spans(connection, spans, OnConflict.IGNORE)
        if report.minutes_written or report.spans_written:
            lo, hi = _extent(minutes, spans)
            refresh_extent(connection, person_id, lo, hi, timezone)
            details = {"minutes": report.minutes_written, "spans": report.spans_written}
            details["hosts"] = report.hosts
            audit.append(
                connection, "cli", "import.activitywatch", audit.person_ref(person_id),
                details, now,
            )  # fmt: skip
    return report


def _person(connection: Connection, pseudonym: str) -> tuple[int, str]:
    row = connection.execute(
        select(people.c.id, people.c.timezone, people.c.consent, people.c.objected)
        .add_columns(people.c.restricted)
        .where(people.c.pseudonym == pseudonym)
    ).first()
    if row is None:
        raise ImportRefused(f"no person with pseudonym {pseudonym} (erased or never added)")
    if row.consent != "given" or row.objected or row.restricted:
        raise ImportRefused(
            f"{pseudonym} withdrew consent, objected or restricted processing: nothing imported"
        )
    return int(row.id), str(row.timezone)


def _window_filter(connection: Connection) -> WindowFilter:
    """The organisation's privacy rules and title policy, as the collector applies them."""
    policies = load_policies(connection)
    rules = rules_from_policy(policies["privacy_filters"])
    store_titles = bool(policies["store_window_titles"])

    def keep(app: str, title: str | None, site: str | None) -> tuple[str | None, str | None] | None:
        window = apply_privacy_rules(
            WindowInfo(app, title, site), rules, store_window_titles=store_titles
        ).window
        return None if window is None else (window.title, window.site)

    return keep


def _by_host(buckets: Sequence[AwBucket]) -> dict[str, list[AwBucket]]:
    hosts: dict[str, list[AwBucket]] = defaultdict(list)
    for bucket in buckets:
        if bucket.type in KNOWN_TYPES:
            hosts[bucket.hostname[:120]].append(bucket)
    return hosts


def _device(connection: Connection, person_id: int, name: str, now: datetime) -> int:
    """The person's device for host ``name``, created on the first import from it."""
    found = find_device(connection, person_id, name, PLATFORM)
    return found if found is not None else add_device(connection, person_id, name, PLATFORM, now)


def _rows(
    connection: Connection,
    person_id: int,
    pseudonym: str,
    hosts: Sequence[HostActivity],
    now: datetime,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    minutes: list[tuple[Any, ...]] = []
    spans: list[tuple[Any, ...]] = []
    sealer: Sealer | None = None
    for host in hosts:
        device = _device(connection, person_id, host.hostname, now)
        for m in host.minutes:
            counts = (m.active_seconds, m.key_presses, m.mouse_clicks, m.mouse_moves, m.scrolls)
            minutes.append((person_id, device, m.minute, *counts))
        for s in host.spans:
            title_ct = None
            if s.title is not None:
                sealer = sealer or _sealer(connection, person_id)
                title_ct = sealer.seal(f"{pseudonym}/title", s.title.encode("utf-8"))
            site = None if s.site is None else s.site[:255]
            spans.append((person_id, device, s.start_ts, s.end_ts, s.app, site, title_ct))
    return minutes, spans


def _sealer(connection: Connection, person_id: int) -> Sealer:
    try:
        key = public_key_for(connection, person_id)
    except KeyDestroyed as exc:
        raise ImportRefused("the person has no live key (erased?): nothing imported") from exc
    return Sealer(key.public_key, key.key_id)


def _check(dataset: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Refuse the whole file if a batch fails its contract; name columns and checks only."""
    result = check_batch(dataset, [dict(zip(columns, row, strict=True)) for row in rows])
    if not result.success:
        failures = "; ".join(f"{f.column} {f.check} ({f.count} rows)" for f in result.failures)
        raise ImportRefused(f"{dataset} failed its data contract: {failures}; nothing imported")


def _extent(
    minutes: Sequence[tuple[Any, ...]], spans: Sequence[tuple[Any, ...]]
) -> tuple[int, int]:
    starts = [row[2] for row in minutes] + [row[2] for row in spans]
    ends = [row[2] + 60 for row in minutes] + [row[3] for row in spans]
    return min(starts), max(ends)
