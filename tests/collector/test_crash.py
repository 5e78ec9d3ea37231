"""`kill -9` during capture, six times in a row: nothing spooled is lost, nothing doubles."""

from __future__ import annotations

import itertools
import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.db import schema
from tests.collector import cli
from tests.collector.helpers import device_stamp, spool_query, wait_new_run_capturing
from tests.collector.install import Install, installation
from tests.collector.x11 import OpenWindow, xdotool

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("window_manager")]
KILLS = 6
FLUSH = 0.5
WORD = "kill"


def spooled_or_stored(install: Install) -> tuple[set[int], set[int]]:
    """Screenshot times and span starts in the spool or the database right now."""
    shots = {int(r[0]) for r in spool_query(install.spool_dir, "SELECT taken_at FROM screenshots")}
    spans = {int(r[0]) for r in spool_query(install.spool_dir, "SELECT start_ts FROM spans")}
    with install.engine.connect() as connection:
        shots |= set(connection.execute(select(schema.screenshots.c.taken_at)).scalars())
        spans |= set(connection.execute(select(schema.app_spans.c.start_ts)).scalars())
    return shots, spans


def test_kill_9_loses_at_most_the_last_flush_and_duplicates_nothing(
    tmp_path: Path, open_window: OpenWindow
) -> None:
    with installation(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}") as install:
        pseudonym = install.add_person()
        xdotool("windowactivate", "--sync", str(open_window("Crash", "CrashApp")))
        args = ("--subject", pseudonym, "--flush-interval", str(FLUSH), "--upload-interval", "1")
        seen_shots: set[int] = set()
        seen_spans: set[int] = set()
        for _ in range(KILLS):
            stamp = device_stamp(install.spool_dir)
            child = cli.start(*args, "--screenshot-interval", "1", env=install.env)
            wait_new_run_capturing(install.spool_dir, stamp)
            xdotool("type", "--delay", "30", WORD)
            time.sleep(1.0 + FLUSH + 1.0)  # a tick, a flush, and a margin for a busy machine
            shots, spans = spooled_or_stored(install)
            seen_shots |= shots
            seen_spans |= spans
            os.kill(child.pid, signal.SIGKILL)
            child.communicate(timeout=30)
        final = cli.run("--json", *args, "--duration", "2", env=install.env)
        assert final.returncode == 0, final.stderr
        assert cli.summary(final.stdout)["pending"] == 0
        assert_everything_arrived_once(install, seen_shots, seen_spans)


def assert_everything_arrived_once(install: Install, shots: set[int], spans: set[int]) -> None:
    with install.engine.connect() as connection:
        typed = connection.execute(select(func.sum(schema.activity_minutes.c.key_presses)))
        assert typed.scalar_one() == KILLS * len(WORD)
        stored_shots = connection.execute(select(schema.screenshots)).all()
        stored_spans = connection.execute(
            select(schema.app_spans).order_by(schema.app_spans.c.start_ts)
        ).all()
    assert shots <= {row.taken_at for row in stored_shots}
    assert spans <= {row.start_ts for row in stored_spans}
    assert all(a.end_ts <= b.start_ts for a, b in itertools.pairwise(stored_spans))
    objects = install.objects
    vault = install.vault()
    assert sorted(objects.list_keys()) == sorted(row.object_key for row in stored_shots)
    for row in stored_shots:
        assert vault.open(objects.get(row.object_key), object_id=row.object_key)
    leftovers = [p.name for p in (install.spool_dir / "screenshots").iterdir()]
    assert leftovers == []
