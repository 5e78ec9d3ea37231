"""The daily purge really runs inside serve-ingest (the workbench: tests/app/test_schedule.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from storage.db.schema import retention_runs
from tests.collector.install import installation
from tests.fixtures.s3 import free_port
from tests.traq.cli import ROOT


def test_serve_ingest_runs_the_daily_purge_once(tmp_path: Path) -> None:
    with installation(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}") as install:
        env = install.env | {
            "PATH": "/usr/bin:/bin",
            "TRAQ_RETENTION_SCHEDULE": "on",
            "TRAQ_RETENTION_TICK_SECONDS": "0.2",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "traq.main", "serve-ingest", "--port", str(free_port())],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

        def runs() -> int:
            with install.engine.connect() as c:
                return int(c.execute(select(func.count()).select_from(retention_runs)).scalar_one())

        try:
            deadline = time.monotonic() + 90
            while runs() == 0:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "no scheduled purge ran"
                time.sleep(0.2)
            time.sleep(2)  # ten more ticks: not due again the same day
            assert runs() == 1
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=30)
        with install.engine.connect() as c:
            finished = c.execute(select(retention_runs.c.finished_at)).scalar_one()
        assert finished is not None
