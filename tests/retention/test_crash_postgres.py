"""On PostgreSQL, a purge killed at several moments and started again ends exactly as an
uninterrupted one, with month partitions dropped and the audit log's prefix purged."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from storage.audit import PURGE_ACTION, verify
from storage.db.engine import open_engine
from storage.db.partitions import PARTITIONED, month_partitions, partition_name
from storage.db.schema import PERSON_SERIES
from tests.contracts.demo import traq_cmd
from tests.traq.cli import ROOT

# Everything expires: screenshots, titles, whole months of minutes and spans (partition
# drops), rollups, and the audit log's entries (six years).
AS_OF = "2033-01-31"
TABLES = [t.name for t in PERSON_SERIES] + ["rights_requests", "screenshots"]
KILL_AFTER = (0.5, 1.5, 3.0)  # seconds into successive runs


@pytest.fixture
def server(postgres_dsn: str) -> Iterator[tuple[str, list[str]]]:
    """The server's DSN without a database, and a list of databases to drop afterwards."""
    base = postgres_dsn.rsplit("/", 1)[0]
    made: list[str] = []
    yield base, made
    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        for name in made:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _create(server: tuple[str, list[str]], template: str | None = None) -> str:
    base, made = server
    name = f"tq_crash_{uuid.uuid4().hex[:10]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{clause}')
    made.append(name)
    return name


def _env(data: Path, url: str) -> dict[str, str]:
    return {"TRAQ_DATA_DIR": str(data), "TRAQ_DATABASE_URL": url}


def _state(data: Path, url: str) -> dict[str, object]:
    with psycopg.connect(url) as connection:
        rows = {
            t: sorted(map(repr, connection.execute(f"SELECT * FROM {t}").fetchall()))
            for t in TABLES
        }
        kept_log = connection.execute(
            "SELECT action, subject_ref FROM audit_log WHERE action <> %s ORDER BY seq",
            (PURGE_ACTION,),
        ).fetchall()
    objects = sorted(str(p.relative_to(data)) for p in (data / "objects").rglob("*") if p.is_file())
    return {"rows": rows, "audit": kept_log, "objects": objects}


def _purge_killed_after(data: Path, url: str, seconds: float) -> int | None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")} | _env(data, url)
    process = subprocess.Popen(
        [sys.executable, "-m", "traq.main", "retention", "purge", "--as-of", AS_OF,
         "--batch-size", "2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    return process.wait(timeout=30)


def test_killed_purges_on_postgresql_resume_to_the_same_end(
    tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    base_db = _create(server)
    url = f"{server[0]}/{base_db}"
    data = tmp_path / "base"
    for args in (
        ("init",),
        ("demo", "--employees", "6", "--days", "3", "--seed", "1", "--end", "2026-03-31"),
    ):
        result = traq_cmd(*args, env=_env(data, url))
        assert result.returncode == 0, result.stderr[-2000:]
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            before = {p.name for t in PARTITIONED for p in month_partitions(connection, t)}
    finally:
        engine.dispose()
    assert {partition_name(t, 2026, 3) for t in PARTITIONED} <= before
    urls = {}
    for copy in ("whole", "killed"):
        shutil.copytree(data, tmp_path / copy)
        urls[copy] = f"{server[0]}/{_create(server, base_db)}"

    whole = traq_cmd(
        "retention", "purge", "--as-of", AS_OF, env=_env(tmp_path / "whole", urls["whole"])
    )
    assert whole.returncode == 0, whole.stderr[-2000:]
    codes = [_purge_killed_after(tmp_path / "killed", urls["killed"], s) for s in KILL_AFTER]
    assert -signal.SIGKILL in codes  # at least one run really died midway
    resumed = traq_cmd(
        "retention", "purge", "--as-of", AS_OF, env=_env(tmp_path / "killed", urls["killed"])
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    assert _state(tmp_path / "killed", urls["killed"]) == _state(tmp_path / "whole", urls["whole"])
    finished = _state(tmp_path / "whole", urls["whole"])
    assert all(not rows for rows in finished["rows"].values())  # type: ignore[union-attr]
    assert finished["audit"] == []  # every entry was older than six years: only purge records
    assert finished["objects"] == [] or all("screenshots" not in o for o in finished["objects"])  # type: ignore[union-attr]
    for copy in ("whole", "killed"):
        engine = open_engine(urls[copy])
        try:
            chain = verify(engine)
            with engine.connect() as connection:
                months = {p.name for t in PARTITIONED for p in month_partitions(connection, t)}
        finally:
            engine.dispose()
        assert chain.ok, chain.problems
        assert not months & {partition_name(t, 2026, 3) for t in PARTITIONED}  # dropped whole
