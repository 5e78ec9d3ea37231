"""The app's background thread runs a due purge, once, and survives failures."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from app.scheduler import start
from services.retention.schedule import PurgeThread
from storage import Storage
from storage.config import load_settings
from storage.db.schema import activity_minutes, retention_runs
from storage.objects import open_object_store
from tests.retention.plant import add_people

NOW = datetime(2026, 4, 1, 3, tzinfo=UTC)  # minute activity before 2025-04-01 has expired


def _storage(engine: Engine, tmp_path: Path) -> Storage:
    settings = load_settings({"TRAQ_DATA_DIR": str(tmp_path)})
    return Storage(settings, engine, open_object_store((tmp_path / "objects").as_uri()))


def _minute_rows(engine: Engine) -> list[int]:
    with engine.begin() as c:
        return sorted(c.execute(select(activity_minutes.c.minute)).scalars())


def _plant(engine: Engine) -> tuple[int, int]:
    old, fresh = (int(datetime(y, 3, 1, tzinfo=UTC).timestamp()) for y in (2025, 2026))
    add_people(engine, {1: None})
    with engine.begin() as c:
        for minute in (old, fresh):
            c.execute(
                insert(activity_minutes).values(
                    person_id=1, minute=minute, device_id=1, active_seconds=1,
                    key_presses=0, mouse_clicks=0, mouse_moves=0, scrolls=0,
                )
            )  # fmt: skip
    return old, fresh


def _wait(predicate: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not predicate():  # type: ignore[operator]
        time.sleep(0.05)


def test_thread_runs_a_due_purge_once(engine: Engine, tmp_path: Path) -> None:
    _old, fresh = _plant(engine)
    storage = _storage(engine, tmp_path)
    thread = PurgeThread(lambda: storage, clock=lambda: NOW, interval=0.05)
    thread.start()
    try:
        _wait(lambda: thread.ticks >= 5)
    finally:
        thread.stop()
        thread.join(timeout=30)
    assert thread.ticks >= 5 and thread.purges == 1  # due once, then not again that day
    assert _minute_rows(engine) == [fresh]
    with engine.connect() as c:
        runs = c.execute(select(func.count()).select_from(retention_runs)).scalar_one()
    assert runs == 1


def test_thread_outlives_failures(tmp_path: Path) -> None:
    def broken() -> Storage:
        raise RuntimeError("database down")

    thread = PurgeThread(broken, clock=lambda: NOW, interval=0.01)
    thread.start()
    try:
        _wait(lambda: thread.ticks >= 3)
        assert thread.is_alive()
    finally:
        thread.stop()
        thread.join(timeout=30)
    assert thread.ticks >= 3 and thread.purges == 0


def test_one_thread_per_process_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAQ_RETENTION_SCHEDULE", "on")
    start.clear()
    first = start()
    try:
        assert first is not None and first.is_alive()
        assert start() is first  # every session and rerun shares it
    finally:
        if first is not None:
            first.stop()
            first.join(timeout=30)
        start.clear()
    monkeypatch.setenv("TRAQ_RETENTION_SCHEDULE", "off")
    assert start() is None
    start.clear()
