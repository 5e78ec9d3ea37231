"""Importing an ActivityWatch export into one person's data, in one transaction.

The file is parsed and mapped first (``aw_format``, ``aw_mapping``); then, in one database
transaction: the person is checked (known, with a live key, not restricted, objecting or
withdrawn), one device per host is found or created, titles are sealed to the person's
public key (as the collector does: the importer never holds a private key) or dropped by the
privacy policies, both batches are checked against their data contracts, rows are written
through storage's write path and the rollups refreshed. Keys are deterministic (person,
device by host name, minute or span start): importing a file twice changes nothing, and a
newer export replaces the rows it covers that changed (``aw_replace``); any failure rolls
everything back, so a bad file imports nothing.

The report says what the privacy filters dropped (active seconds per rule) and where each
host's active time came from (AFK watcher, screen unlocks, or window time).

A batch failing its contract is refused (not quarantined): the file is the user's, on
their disk, and the one-line error says which column and check failed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, overload

from sqlalchemy import Connection, Engine, select

from activity.privacy_filter import PrivacyRule, apply_privacy_rules, rules_from_policy
from activity.window import WindowInfo
from analytics.errors import ImportRefused
from analytics.imports.aw_format import read_export
from analytics.imports.aw_mapping import (
    MAPPED_TYPES,
    HostActivity,
    WindowFilter,
    group_by_host,
    map_host,
)
from analytics.imports.aw_replace import Changes, changes, delete_stale
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
    minutes_replaced: int = 0  # stored rows a newer export changed or removed
    spans_replaced: int = 0
    dropped_seconds: dict[str, int] = field(default_factory=dict)  # privacy rule -> seconds
    active_time: dict[str, str] = field(default_factory=dict)  # host -> afk|unlocks|window

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return dict(vars(self))


def import_activitywatch(
    engine: Engine, source: bytes | IO[bytes], pseudonym: str, now: datetime
) -> ImportReport:
    """Import the export ``source`` (bytes or a binary file, read as a stream) for the person
    ``pseudonym`` (see module doc)."""
    buckets = read_export(io.BytesIO(source) if isinstance(source, bytes) else source)
    report = ImportReport(buckets=len(buckets))
    report.skipped_buckets = sum(1 for b in buckets if b.type not in MAPPED_TYPES)
    with engine.begin() as connection:
        person_id, timezone = _person(connection, pseudonym)
        keep = _window_filter(connection)
        hosts = [map_host(h, bs, keep) for h, bs in group_by_host(buckets).items()]
        del buckets  # the events are mapped: let their memory go before the rows are built
        hosts = [h for h in hosts if h.minutes or h.spans]
        report.hosts = len(hosts)
        _summarise(report, hosts)
        minutes, spans, stale = _rows(connection, person_id, pseudonym, hosts, now)
        _check("activity_minutes", MINUTE_COLUMNS, minutes)
        _check("app_spans", SPAN_COLUMNS, spans)
        for device, found in stale:
            delete_stale(connection, person_id, device, found)
            report.minutes_replaced += len(found.stale_minutes) + len(found.replaced_minutes)
            report.spans_replaced += len(found.stale_spans) + len(found.replaced_spans)
        # Only new rows and rows differing from the stored ones are here: the differing ones
        # replace theirs, so a second import of the same file writes nothing.
        report.minutes_written = write_minutes(connection, minutes, OnConflict.REPLACE)
        report.spans_written = write_spans(connection, spans, OnConflict.REPLACE)
        if report.minutes_written or report.spans_written or stale:
            lo, hi = _extent(hosts, stale)
            refresh_extent(connection, person_id, lo, hi, timezone)
            details = {"minutes": report.minutes_written, "spans": report.spans_written}
            details |= {"hosts": report.hosts, "replaced": report.minutes_replaced}
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
    return window_filter(policies["privacy_filters"], bool(policies["store_window_titles"]))


def window_filter(privacy_filters: list[dict[str, Any]], store_titles: bool) -> WindowFilter:
    """The privacy policy ``privacy_filters`` as a window filter: a dropped window is named
    by the first drop rule it matches."""
    rules = rules_from_policy(privacy_filters)

    def keep(app: str, title: str | None, site: str | None) -> tuple[str | None, str | None] | str:
        info = WindowInfo(app, title, site)
        window = apply_privacy_rules(info, rules, store_window_titles=store_titles).window
        return _dropping_rule(info, rules) if window is None else (window.title, window.site)

    return keep


def _dropping_rule(window: WindowInfo, rules: Sequence[PrivacyRule]) -> str:
    """The first drop rule matching ``window``, named by its position and field (never the
    window's content; the pattern is the organisation's policy, not personal data)."""
    for index, rule in enumerate(rules):
        if rule.action == "drop" and rule.matches(window):
            return f"privacy_filters[{index}] drop {rule.match} /{rule.pattern}/"
    return "privacy filter"


def _summarise(report: ImportReport, hosts: Sequence[HostActivity]) -> None:
    """Counts, seconds dropped per privacy rule and each host's source of active time."""
    report.minutes = sum(len(h.minutes) for h in hosts)
    report.spans = sum(len(h.spans) for h in hosts)
    dropped: dict[str, float] = {}
    for host in hosts:
        report.active_time[host.hostname] = host.active_source
        for rule, seconds in host.dropped.items():
            dropped[rule] = dropped.get(rule, 0.0) + seconds
    report.dropped_seconds = {rule: round(seconds) for rule, seconds in sorted(dropped.items())}


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
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[int, Changes]]]:
    """Rows to insert (new or changed only: titles of unchanged spans are not sealed again)
    and each device's stale rows."""
    minutes: list[tuple[Any, ...]] = []
    spans: list[tuple[Any, ...]] = []
    stale: list[tuple[int, Changes]] = []
    sealer: Sealer | None = None
    for host in hosts:
        device = _device(connection, person_id, host.hostname, now)
        found = changes(connection, person_id, device, host.minutes, host.spans)
        if (
            found.stale_minutes
            or found.stale_spans
            or found.replaced_minutes
            or found.replaced_spans
        ):
            stale.append((device, found))
        for m in found.minutes:
            counts = (m.active_seconds, m.key_presses, m.mouse_clicks, m.mouse_moves, m.scrolls)
            minutes.append((person_id, device, m.minute, *counts))
        for s in found.spans:
            title_ct = None
            if s.title is not None:
                sealer = sealer or _sealer(connection, person_id)
                title_ct = sealer.seal(f"{pseudonym}/title", s.title.encode("utf-8"))
            site = None if s.site is None else s.site[:255]
            spans.append((person_id, device, s.start_ts, s.end_ts, s.app, site, title_ct))
    return minutes, spans, stale


def _sealer(connection: Connection, person_id: int) -> Sealer:
    try:
        key = public_key_for(connection, person_id)
    except KeyDestroyed as exc:
        raise ImportRefused("the person has no live key (erased?): nothing imported") from exc
    return Sealer(key.public_key, key.key_id)


def _check(dataset: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Refuse the whole file if a batch fails its contract; name columns and checks only."""
    result = check_batch(dataset, _RowView(columns, rows))
    if not result.success:
        failures = "; ".join(f"{f.column} {f.check} ({f.count} rows)" for f in result.failures)
        raise ImportRefused(f"{dataset} failed its data contract: {failures}; nothing imported")


class _RowView(Sequence[Mapping[str, Any]]):
    """Row tuples seen as column mappings one at a time: a month of spans checked without
    a dict per row held at once (136,000 of them were ~50 MB)."""

    def __init__(self, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        self._columns, self._rows = columns, rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return _RowView(self._columns, self._rows[index])
        return dict(zip(self._columns, self._rows[index], strict=True))

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        columns = self._columns
        return (dict(zip(columns, row, strict=True)) for row in self._rows)


def _extent(hosts: Sequence[HostActivity], stale: Sequence[tuple[int, Changes]]) -> tuple[int, int]:
    """The time every host's rows cover (and stored spans they replace reached): the rows
    written and the stale ones deleted lie within it."""
    starts = [h.minutes[0].minute for h in hosts if h.minutes]
    starts += [h.spans[0].start_ts for h in hosts if h.spans]
    ends = [h.minutes[-1].minute + 60 for h in hosts if h.minutes]
    ends += [max(s.end_ts for s in h.spans) for h in hosts if h.spans]
    ends += [found.stored_end for _, found in stale]
    return min(starts), max(ends)
