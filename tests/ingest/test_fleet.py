"""A fleet of collector processes through one ingestion service: everything arrives once.

Twenty collector processes (``tests.ingest.scripted``: the real pipeline behind scripted
sources), each with its own enrolled device and spool folder, send minute rows, spans and
sealed screenshots for ``TRAQ_FLEET_SECONDS`` (default 25; the issue's "several minutes"
is e.g. ``TRAQ_FLEET_SECONDS=300``) through one ingestion service to one PostgreSQL schema
and one S3 bucket (moto server). Four people have two devices, so rows of one person from
different devices must stay apart. Then, per device: the minute rows' counts are what the
script generated, the spans are the ones the pipeline made, every screenshot row has
exactly one object version and every object a row, and objects and titles open with the
person's key through the vault.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, func, select

from ingest import enrolment
from ingest.app import IngestConfig
from storage.db import schema
from tests.collector.install import Install, installation
from tests.ingest.scripted import WINDOWS
from tests.ingest.service import running
from tests.traq.cli import ROOT

DEVICES = 20
SECOND_DEVICES = 4  # the first four people enrol a second device
SECONDS = float(os.environ.get("TRAQ_FLEET_SECONDS", "25"))
SHOT_INTERVAL = 2.0  # short, so that a 25 s run still moves a few hundred objects
# Start-up of 20 interpreters on 2 cores, the final flush and upload, and slack for a busy CI.
GRACE = 120.0
COUNTS = ("key_presses", "mouse_clicks", "mouse_moves", "scrolls")


@dataclass(frozen=True)
class Result:
    """One collector's report: its device and person, the ledger and the run summary."""

    device_id: int
    person_id: int
    pseudonym: str
    ledger: dict[str, Any]
    summary: dict[str, Any]
    log: str  # the collector's stderr: outages and refusals it logged

    def __repr__(self) -> str:  # what a failing assertion shows
        return f"device {self.device_id} (person {self.person_id}): {self.summary}\n{self.log}"


def enrol_codes(install: Install) -> list[str]:
    """One one-time code per device: 16 people, the first four with two devices."""
    people = [install.add_person() for _ in range(DEVICES - SECOND_DEVICES)]
    owners = people + people[:SECOND_DEVICES]
    now = datetime.now(UTC)
    with install.engine.begin() as conn:
        return [
            enrolment.create_code(conn, enrolment.find_person(conn, owner)[0], now)
            for owner in owners
        ]


def laptop_env() -> dict[str, str]:
    """A laptop's environment: no database URL, object store or AWS credential at all."""
    prefixes = ("TRAQ_", "AWS_", "PG")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def start_collector(folder: Path, url: str, code: str, seed: int) -> subprocess.Popen[str]:
    """One scripted collector process with its own spool folder."""
    # "--code=" because a code may begin with "-" (token_urlsafe).
    args = ["--url", url, f"--code={code}", "--spool", str(folder / "spool")]
    args += ["--seconds", str(SECONDS), "--seed", str(seed)]
    args += ["--screenshot-interval", str(SHOT_INTERVAL)]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ingest.scripted", *args],
        cwd=ROOT,
        env=laptop_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(children: list[subprocess.Popen[str]]) -> list[Result]:
    """Wait for every collector; its result, or a failure showing its stderr."""
    results = []
    for child in children:
        out, err = child.communicate(timeout=SECONDS + GRACE)
        assert child.returncode == 0, err[-4000:]
        results.append(Result(**json.loads(out.strip().splitlines()[-1]), log=err[-2000:]))
    return results


def run_fleet(tmp_path: Path, install: Install) -> list[Result]:
    """Enrol every device, run the fleet through one service, collect the reports."""
    codes = enrol_codes(install)
    with running(IngestConfig(install.settings)) as url:
        children = [
            start_collector(tmp_path / f"laptop-{i:02d}", url, code, seed=i)
            for i, code in enumerate(codes)
        ]
        try:
            return finish(children)
        finally:
            for child in children:  # only after a failure is any still running
                if child.poll() is None:
                    child.kill()
                    child.wait()


def rows_of(engine: Engine, table: Table) -> list[Any]:
    """Every row of ``table``."""
    with engine.connect() as conn:
        return list(conn.execute(select(table)))


def duplicate_keys(engine: Engine, table: Table, *columns: str) -> list[Any]:
    """Keys that occur more than once in ``table`` (the primary keys forbid it; prove it)."""
    cols = [table.c[name] for name in columns]
    query = select(*cols).group_by(*cols).having(func.count() > 1)
    with engine.connect() as conn:
        return list(conn.execute(query))


def by_device(rows: Iterable[Any]) -> dict[int, list[Any]]:
    """Rows grouped by their device id."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.device_id].append(row)
    return grouped


def check_runs(results: list[Result]) -> None:
    """Every collector ran its time, captured every second it sampled and left nothing."""
    assert len({r.device_id for r in results}) == DEVICES
    assert len({r.person_id for r in results}) == DEVICES - SECOND_DEVICES
    for result in results:
        summary, ledger = result.summary, result.ledger
        assert summary["stop_reason"] == "duration", result
        assert summary["pending"] == 0, result
        assert summary["key_presses"] == ledger["key_presses"], result
        assert summary["screenshots"] == len(ledger["screenshots"]) >= 2, result


def check_minutes(engine: Engine, results: list[Result]) -> None:
    """Per device, the minute rows add up to the script's counts, each minute once."""
    assert duplicate_keys(engine, schema.activity_minutes, "person_id", "device_id", "minute") == []
    minutes = by_device(rows_of(engine, schema.activity_minutes))
    assert set(minutes) == {r.device_id for r in results}
    wrong = []
    for result in results:
        rows, ledger = minutes[result.device_id], result.ledger
        assert {row.person_id for row in rows} == {result.person_id}
        expected = {name: ledger[name] for name in COUNTS}
        got = {name: sum(getattr(row, name) for row in rows) for name in COUNTS}
        # Every second has input, so each sampled second is active; a tick that ran late
        # into the same epoch second is folded into it (counts kept), hence at most.
        active = sum(row.active_seconds for row in rows)
        if got != expected or not 0 < active <= ledger["ticks"]:
            wrong.append(f"{result!r}\n  stored {got}, active {active}\n  generated {expected}")
    assert not wrong, "minute rows differ from what the script generated:\n" + "\n".join(wrong)
    per_person = Counter[int]()
    for result in results:
        per_person[result.person_id] += result.ledger["key_presses"]
    slots = Counter[int]()
    for row in rows_of(engine, schema.activity_10min):
        slots[row.person_id] += row.key_presses
    assert slots == per_person  # the rollups refreshed in each batch's transaction agree


def check_spans(install: Install, results: list[Result]) -> None:
    """Per device, as many spans as the pipeline made; every title opens to a scripted one."""
    assert (
        duplicate_keys(install.engine, schema.app_spans, "person_id", "device_id", "start_ts") == []
    )
    spans = by_device(rows_of(install.engine, schema.app_spans))
    vault, titles = install.vault(), {title for _app, title in WINDOWS}
    for result in results:
        rows = spans[result.device_id]
        assert len(rows) == result.summary["spans"], result
        assert {row.app for row in rows} <= {app for app, _title in WINDOWS}
        sealed = [row.title_ct for row in rows if row.title_ct is not None]
        assert sealed, "titles are stored (sealed) by default"
        for title_ct in sealed:
            title = vault.open(title_ct, object_id=f"{result.pseudonym}/title").decode()
            assert title in titles


def check_screenshots(install: Install, results: list[Result]) -> None:
    """Each screenshot: one row, one object version, opening to the bytes the script made."""
    engine = install.engine
    assert duplicate_keys(engine, schema.screenshots, "object_key") == []
    shots = by_device(rows_of(engine, schema.screenshots))
    store = install.objects
    versions = list(store.list_versions(""))
    assert not [v for v in versions if v.is_delete_marker]
    version_count = Counter(v.key for v in versions)
    assert [k for k, n in version_count.items() if n != 1] == []  # no object PUT twice
    all_keys = {row.object_key for rows in shots.values() for row in rows}
    assert set(version_count) == all_keys  # every object has a row, every row an object
    vault = install.vault()
    for result in results:
        rows, expected = shots[result.device_id], result.ledger["screenshots"]
        assert sorted(row.object_key for row in rows) == sorted(expected), result
        for row in rows:
            envelope = store.get(row.object_key)
            assert row.size_bytes == len(envelope)
            plaintext = vault.open(envelope, object_id=row.object_key)
            assert sha256(plaintext).hexdigest() == expected[row.object_key]


def test_fleet_delivers_every_row_and_object_exactly_once(
    tmp_path: Path, pg_schema_url: str, s3_store_url: str
) -> None:
    with installation(tmp_path, pg_schema_url, s3_store_url) as install:
        results = run_fleet(tmp_path, install)
        check_runs(results)
        assert rows_of(install.engine, schema.quarantined_batches) == []
        check_minutes(install.engine, results)
        check_spans(install, results)
        check_screenshots(install, results)
