"""Another local user reads nothing TraqNext writes: a fresh install under a permissive umask."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from tests.traq.cli import ROOT

OPEN_BITS = 0o077


def _traq_under_umask_022(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The shell's umask 022 is what most desktops default to: files 0644, folders 0755.
    command = " ".join([sys.executable, "-m", "traq.main", *args])
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    return subprocess.run(
        ["sh", "-c", f"umask 022 && exec {command}"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _exposed(folder: Path) -> list[str]:
    found = []
    for path in [folder, *folder.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and mode & OPEN_BITS:
            found.append(f"{path.relative_to(folder)} {stat.S_IMODE(mode):o}")
    return found


def test_a_fresh_install_and_demo_write_only_private_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    keys = tmp_path / "config" / "traqnext"
    env = {"TRAQ_DATA_DIR": str(data), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    for args in (("init",), ("demo", "--employees", "6", "--days", "2", "--seed", "3")):
        result = _traq_under_umask_022(*args, env=env)
        assert result.returncode == 0, result.stderr
    database = data / "traq.db"
    assert database.exists() and any(p.is_file() for p in (data / "objects").rglob("*"))
    assert any(keys.rglob("master.key"))
    # While a writer holds it open, SQLite's -wal and -shm files exist; they take the
    # database's mode.
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE probe (x INTEGER)")
        connection.commit()
        assert (data / "traq.db-wal").exists()
        assert _exposed(data) == []
        assert _exposed(keys) == []
    finally:
        connection.close()


def test_doctor_reports_a_readable_database_and_init_makes_it_private(tmp_path: Path) -> None:
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    assert _traq_under_umask_022("init", env=env).returncode == 0
    database = tmp_path / "data" / "traq.db"
    database.chmod(0o644)
    (tmp_path / "data").chmod(0o755)

    before = _traq_under_umask_022("doctor", env=env)
    line = next(x for x in before.stdout.splitlines() if "file modes" in x)
    assert line.startswith("FAIL") and "traq.db 644" in line and "traq init" in line

    assert _traq_under_umask_022("init", env=env).returncode == 0
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    after = _traq_under_umask_022("doctor", env=env)
    assert any(x.startswith("ok") and "file modes" in x for x in after.stdout.splitlines())
