"""The daily schedule runs a purge once a day, no more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from services.retention.schedule import is_due, purge_if_due
from storage.config import load_settings
from storage.facade import Storage
from storage.objects import ObjectStore

NOW = datetime(2026, 4, 1, 3, tzinfo=UTC)


def test_is_due_after_a_day() -> None:
    assert is_due(None, NOW)
    assert not is_due(NOW - timedelta(hours=23), NOW)
    assert is_due(NOW - timedelta(hours=24), NOW)


def test_purge_runs_once_per_day(engine: Engine, object_store: ObjectStore) -> None:
    storage = Storage(load_settings(), engine, object_store)  # nobody left: no vault needed
    first = purge_if_due(storage, datetime.now(UTC))
    assert first is not None
    assert first.counts["post-employment"] == {"people erased": 0, "kept by a legal hold": 0}
    assert purge_if_due(storage, datetime.now(UTC)) is None
    assert purge_if_due(storage, datetime.now(UTC) + timedelta(days=1)) is not None
