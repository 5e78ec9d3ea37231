"""A purge killed midway (SIGKILL) and started again ends exactly as an uninterrupted one."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from storage.db.schema import PERSON_SERIES
from tests.contracts.demo import traq_cmd
from tests.traq.cli import ROOT

AS_OF = "2027-03-31"  # screenshots and titles all expire; minute rows of two of three days
TABLES = [t.name for t in PERSON_SERIES] + ["rights_requests", "audit_log"]


def _env(data: Path) -> dict[str, str]:
    return {"TRAQ_DATA_DIR": str(data)}


def _count(data: Path, table: str) -> int:
    with sqlite3.connect(data / "traq.db", timeout=30) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _state(data: Path) -> dict[str, object]:
    with sqlite3.connect(data / "traq.db", timeout=30) as connection:
        rows = {t: sorted(map(repr, connection.execute(f"SELECT * FROM {t}"))) for t in TABLES}
    objects = sorted(str(p.relative_to(data)) for p in (data / "objects").rglob("*") if p.is_file())
    return {"rows": rows, "objects": objects}


def _kill_midway(data: Path, total_shots: int) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")} | _env(data)
    args = ["retention", "purge", "--as-of", AS_OF, "--batch-size", "1"]
    process = subprocess.Popen(
        [sys.executable, "-m", "traq.main", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Looking between batches races a fast purge to its end; holding SQLite's write lock
    # while looking does not: the purge cannot commit another batch until it is released,
    # so the kill lands with some batches done and the rest not.
    lock = sqlite3.connect(data / "traq.db", timeout=60, isolation_level=None)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            lock.execute("BEGIN IMMEDIATE")
            left = lock.execute("SELECT count(*) FROM screenshots").fetchone()[0]
            if left < total_shots:
                process.send_signal(signal.SIGKILL)
                code = process.wait(timeout=30)
                lock.execute("ROLLBACK")
                return code
            lock.execute("ROLLBACK")
            time.sleep(0.002)
    finally:
        lock.close()
    process.send_signal(signal.SIGKILL)
    return process.wait(timeout=30)


def test_killed_purge_resumes_to_the_same_end(tmp_path: Path) -> None:
    base = tmp_path / "base"
    for args in (
        ("init",),
        ("demo", "--employees", "8", "--days", "3", "--seed", "1", "--end", "2026-03-31"),
    ):
        result = traq_cmd(*args, env=_env(base))
        assert result.returncode == 0, result.stderr[-2000:]
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    shutil.copytree(base, whole)
    shutil.copytree(base, killed)
    total_shots = _count(base, "screenshots")

    assert traq_cmd("retention", "purge", "--as-of", AS_OF, env=_env(whole)).returncode == 0
    assert _kill_midway(killed, total_shots) == -signal.SIGKILL
    assert 0 < _count(killed, "screenshots") < total_shots  # really stopped midway
    resumed = traq_cmd("retention", "purge", "--as-of", AS_OF, env=_env(killed))
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    assert _state(killed) == _state(whole)
    assert _count(whole, "screenshots") == 0
    assert 0 < _count(whole, "activity_minutes") < _count(base, "activity_minutes")
