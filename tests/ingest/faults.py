"""Rigs and checks for the fault tests: a private PostgreSQL, laptops, ledgers, exact counts.

A ``Laptop`` runs `traq collect` through ``tests.ingest.fault_collector`` (the real command
behind scripted sources that journal every second and screenshot they produce) with its own
spool folder and the environment of an employee's computer: no database URL, object store
or AWS credential, only ``TRAQ_INGEST_URL``. The checks compare what arrived in the
company's database and bucket with those journals, per device.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, func, select

from collector.sinks.device_token import DeviceToken, load_token
from collector.sinks.https import token_path
from storage.db import schema
from storage.objects import screenshot_key
from tests.collector.helpers import spool_query
from tests.collector.install import Install
from tests.fixtures.rigs import missing_rig
from tests.fixtures.s3 import free_port
from tests.ingest.fault_collector import MAX_PER_SECOND
from tests.traq.cli import ROOT

COUNTS = ("key_presses", "mouse_clicks", "mouse_moves", "scrolls")
PER_SECOND_MAX = {name: getattr(MAX_PER_SECOND, name) for name in COUNTS}


# -- a PostgreSQL server of our own, to stop and start -----------------------------------------


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free loopback port, in a folder under /tmp.

    ``stop()`` is ``pg_ctl stop -m immediate``: the server dies at once, dropping every
    connection, as a crashed or killed database does; ``start()`` brings it back on the same
    port (after crash recovery). As root it runs as the ``postgres`` user (initdb refuses
    root), so its folder is not under pytest's private tmp_path.
    """

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found and shutil.which("pg_ctl"):
            found = [str(shutil.which("pg_ctl"))]
        if not found:
            missing_rig("no pg_ctl/initdb to run a private PostgreSQL (install postgresql)")
        self._bin = Path(found[-1]).parent
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                missing_rig("running as root without a 'postgres' user for a private PostgreSQL")
            self._as = ["runuser", "-u", "postgres", "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="traq-pg-"))
        if self._as:
            shutil.chown(self.folder, "postgres")
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    @property
    def data(self) -> Path:
        """The cluster's data folder."""
        return self.folder / "data"

    def start(self) -> None:
        """Start (or restart) the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=60 -c shared_buffers=16MB"
        )
        log = str(self.folder / "server.log")
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        """Kill the server at once (immediate shutdown: no checkpoint, connections cut)."""
        self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def close(self) -> None:
        """Stop the server if it runs and delete its folder."""
        subprocess.run(
            [*self._as, str(self._bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(self.folder, ignore_errors=True)

    def _pg(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [*self._as, str(self._bin / program), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            cwd=self.folder,
        )
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed: {result.stderr.strip()}\n{tail}")


# -- laptops: `traq collect` with journalling scripted sources ---------------------------------


def laptop_env() -> dict[str, str]:
    """A laptop's environment: no database URL, object store or AWS credential at all."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("TRAQ_", "AWS_", "PG"))}


@dataclass
class Truth:
    """What a laptop's scripted sources produced over all its runs (its ledger)."""

    ticks: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    shots: dict[str, str] = field(default_factory=dict)  # object key -> plaintext sha256
    runs: int = 0


@dataclass
class Finished:
    """How one `traq collect` run ended."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def summary(self) -> dict[str, Any]:
        """The run's JSON summary (`--json`): the last line on stdout."""
        lines = self.stdout.strip().splitlines()
        assert lines, f"no summary (exit {self.returncode}):\n{self.stderr[-3000:]}"
        parsed: dict[str, Any] = json.loads(lines[-1])
        return parsed

    def __repr__(self) -> str:  # what a failing assertion shows
        return (
            f"exit {self.returncode}\nstdout: {self.stdout[-1000:]}\nstderr: {self.stderr[-3000:]}"
        )


@dataclass
class Laptop:
    """An employee's computer: a spool folder, a ledger, and `traq collect` runs."""

    folder: Path
    url: str
    seed: int
    shot_interval: float = 2.0
    flush_interval: float = 0.5
    spool_at: Path | None = None  # default: <folder>/spool
    runs: int = 0

    @property
    def spool(self) -> Path:
        """The spool folder (TRAQ_SPOOL_DIR)."""
        return self.spool_at or self.folder / "spool"

    @property
    def ledger(self) -> Path:
        """The journal of everything the sources produced (outside the spool)."""
        return self.folder / "ledger.jsonl"

    def env(self) -> dict[str, str]:
        """A laptop's environment: the service's URL and the spool, no storage credential."""
        return laptop_env() | {
            "TRAQ_DATA_DIR": str(self.folder / "data"),
            "TRAQ_SPOOL_DIR": str(self.spool),
            "TRAQ_INGEST_URL": self.url,
        }

    def start(
        self, *, enrol: str | None = None, duration: float | None = None
    ) -> subprocess.Popen[str]:
        """Start `traq collect --json` (enrolling first with ``enrol``); do not wait."""
        self.folder.mkdir(parents=True, exist_ok=True)
        seed = self.seed * 1000 + self.runs  # each run its own sequence
        self.runs += 1
        args = ["--json", "--flush-interval", str(self.flush_interval), "--upload-interval", "1"]
        args += ["--check-interval", "60", "--screenshot-interval", str(self.shot_interval)]
        if enrol is not None:
            args.append(f"--enrol={enrol}")  # "=": a code may begin with "-"
        if duration is not None:
            args += ["--duration", str(duration)]
        driver = [sys.executable, "-m", "tests.ingest.fault_collector"]
        return subprocess.Popen(
            [*driver, "--ledger", str(self.ledger), "--seed", str(seed), "--", *args],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *, enrol: str | None = None, duration: float, timeout: float = 60) -> Finished:
        """One run to its end."""
        return finish(self.start(enrol=enrol, duration=duration), timeout)

    @property
    def token(self) -> DeviceToken:
        """The device token enrolment left in the spool."""
        return load_token(token_path({}, self.spool))

    def truth(self) -> Truth:
        """Sum the ledger: seconds, counts and screenshots produced over every run."""
        truth = Truth()
        for line in self.ledger.read_text().splitlines():
            entry = json.loads(line)
            if "run" in entry:
                truth.runs += 1
            elif "k" in entry:
                truth.ticks += 1
                for name, value in zip(COUNTS, entry["k"], strict=True):
                    truth.counts[name] += value
            else:
                truth.shots[entry["shot"]] = entry["sha256"]
        return truth

    def pending(self) -> dict[str, int]:
        """What the spool holds for upload right now (read beside a running collector)."""
        rows = spool_query(
            self.spool,
            "SELECT (SELECT count(*) FROM minutes WHERE rev > sent_rev), "
            "(SELECT count(*) FROM spans WHERE rev > sent_rev), "
            "(SELECT count(*) FROM screenshots)",
        )
        minutes, spans, shots = rows[0] if rows else (0, 0, 0)
        return {"minutes": minutes, "spans": spans, "screenshots": shots}


def finish(child: subprocess.Popen[str], timeout: float = 60) -> Finished:
    """Wait for a collector; kill it if it outlives ``timeout``."""
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        _out, err = child.communicate(timeout=30)
        message = f"collector still running after {timeout:.0f} s:\n{err[-3000:]}"
        raise AssertionError(message) from None
    return Finished(child.returncode, out, err)


def stop_all(children: list[subprocess.Popen[str]]) -> None:
    """Kill whatever is still running (after a failure)."""
    for child in children:
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=30)


# -- what arrived ------------------------------------------------------------------------------


def stored_counts(engine: Engine) -> dict[int, dict[str, int]]:
    """Per device, the sums of the minute rows' counts in the database."""
    table = schema.activity_minutes
    query = select(table.c.device_id, *[func.sum(table.c[name]) for name in COUNTS]).group_by(
        table.c.device_id
    )
    with engine.connect() as conn:
        return {
            int(row[0]): {name: int(value) for name, value in zip(COUNTS, row[1:], strict=True)}
            for row in conn.execute(query)
        }


def stored_minutes(engine: Engine, device_id: int) -> dict[int, int]:
    """The device's minute rows in the database: minute -> key presses."""
    table = schema.activity_minutes
    query = select(table.c.minute, table.c.key_presses).where(table.c.device_id == device_id)
    with engine.connect() as conn:
        return {int(minute): int(keys) for minute, keys in conn.execute(query)}


def count_rows(engine: Engine, table: Table) -> int:
    """Rows in ``table``."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@dataclass(frozen=True)
class ShotReport:
    """Screenshots in the database and the bucket after a fault."""

    rows: int
    objects: int
    extra_versions: int  # the same bytes PUT again after a fault cut an upload short


def check_screenshots(
    install: Install, laptops: list[Laptop], required: dict[int, set[str]] | None = None
) -> ShotReport:
    """Each screenshot once: one row, one object, opening to the bytes its source made.

    Per device, the keys stored are exactly the ledger's (or, when ``required`` is given,
    every required key and only keys of the ledger: a kill may lose a screenshot not yet
    flushed). Every row's object exists with its size and opens with the person's key;
    every object has its row. An upload cut short by a fault may be PUT again with the
    same bytes (a second version of the same object): allowed, counted, and checked to be
    byte-identical, never a second row or a different object.
    """
    engine, store, vault = install.engine, install.objects, install.vault()
    with engine.connect() as conn:
        rows = list(conn.execute(select(schema.screenshots)))
    versions = list(store.list_versions(""))
    assert not [v for v in versions if v.is_delete_marker]
    per_key = Counter(v.key for v in versions)
    row_keys = Counter(row.object_key for row in rows)
    assert [k for k, n in row_keys.items() if n > 1] == []  # one row per object
    assert set(per_key) == set(row_keys)  # every object has a row, every row an object
    extra = 0
    for version in versions:
        if per_key[version.key] > 1:
            first = store.get(version.key)
            assert store.get(version.key, version.version_id) == first, version
            extra += 1
    extra -= sum(1 for n in per_key.values() if n > 1)
    truths = {laptop.token.device_id: laptop.truth().shots for laptop in laptops}
    by_device: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_device[row.device_id].append(row)
    assert set(by_device) <= set(truths)
    for device_id, shots in truths.items():
        keys = {row.object_key for row in by_device[device_id]}
        if required is None:
            assert keys == set(shots), (device_id, sorted(set(shots) ^ keys))
        else:
            assert required[device_id] <= keys <= set(shots), device_id
        for row in by_device[device_id]:
            envelope = store.get(row.object_key)
            assert row.size_bytes == len(envelope)
            plaintext = vault.open(envelope, object_id=row.object_key)
            assert sha256(plaintext).hexdigest() == shots[row.object_key]
    return ShotReport(len(rows), len(per_key), extra)


def check_exact(install: Install, laptops: list[Laptop]) -> dict[str, Any]:
    """Every second and screenshot every laptop produced arrived exactly once; the counts."""
    stored = stored_counts(install.engine)
    generated: dict[str, int] = dict.fromkeys(COUNTS, 0)
    ticks = 0
    for laptop in laptops:
        truth = laptop.truth()
        device_id = laptop.token.device_id
        assert stored.get(device_id) == truth.counts, (device_id, stored.get(device_id), truth)
        for name in COUNTS:
            generated[name] += truth.counts[name]
        ticks += truth.ticks
    assert count_rows(install.engine, schema.quarantined_batches) == 0
    shots = check_screenshots(install, laptops)
    return {
        "devices": len(laptops),
        "seconds": ticks,
        **generated,
        "minute_rows": count_rows(install.engine, schema.activity_minutes),
        "spans": count_rows(install.engine, schema.app_spans),
        "screenshots": shots.rows,
        "extra_object_versions": shots.extra_versions,
    }


def spool_minutes(spool: Path) -> dict[int, int]:
    """The spool's minute rows: minute -> key presses (the whole minute as the device saw it)."""
    rows = spool_query(spool, "SELECT minute, key_presses FROM minutes")
    return {int(minute): int(keys) for minute, keys in rows}


def spool_shot_keys(spool: Path, pseudonym: str) -> set[str]:
    """The object keys of the screenshots listed in the spool."""
    rows = spool_query(spool, "SELECT taken_at, device_id FROM screenshots")
    return {screenshot_key(pseudonym, int(taken), int(device)) for taken, device in rows}


def spool_span_starts(spool: Path) -> set[int]:
    """Start times of the spans in the spool."""
    return {int(row[0]) for row in spool_query(spool, "SELECT start_ts FROM spans")}


def report(name: str, figures: dict[str, Any]) -> None:
    """Print the test's figures as one line (shown with -s, kept in the log)."""
    print(f"\n[faults] {name}: {json.dumps(figures, sort_keys=True)}", flush=True)
