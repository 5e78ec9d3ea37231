"""The workbench starts the daily retention purge: one thread per server process."""

from __future__ import annotations

import threading

import pytest
from streamlit.testing.v1 import AppTest

from app.scheduler import start
from storage import Storage
from tests.traq.cli import ROOT

PURGE_THREAD = "traq-retention-purge"


def _purge_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == PURGE_THREAD and t.is_alive()]


def test_the_workbench_starts_one_purge_thread(
    installation: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A private copy: the thread really purges, and must not purge the demo other tests share.
    monkeypatch.setenv("TRAQ_RETENTION_SCHEDULE", "on")
    start.clear()
    before = len(_purge_threads())
    try:
        for _ in range(2):  # two sessions of the same server process share one thread
            app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
            assert not app.exception
        assert len(_purge_threads()) == before + 1
    finally:
        thread = start()
        if thread is not None:
            thread.stop()
            thread.join(timeout=30)
        start.clear()
