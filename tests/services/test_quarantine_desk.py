"""The quarantine and purge helpers behind the DPO pages, over SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, insert, select

from data_contracts import CONTRACTS
from data_contracts.quarantine import check_or_quarantine
from services.errors import InvalidRequest
from services.quarantine import batch_detail, count_batches, discard_batch, list_batches
from services.retention_desk import purge_history, purge_now, retention_policy
from storage.config import load_settings
from storage.db.schema import audit_log, people, teams
from storage.facade import Storage
from storage.objects import ObjectStore
from tests.contracts.batches import good_batch

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


def _quarantine(engine: Engine) -> tuple[int, list[dict[str, object]]]:
    with engine.begin() as connection:
        connection.execute(insert(teams).values(id=1, name="t", department="d"))
        connection.execute(
            insert(people).values(
                id=1, pseudonym="s_0123456789abcdef", display_name="Ada Example",
                team_id=1, timezone="UTC", created_at=NOW,
            )
        )  # fmt: skip
        rows = good_batch(CONTRACTS["app_spans"])
        for row in rows:
            row["person_id"] = 1
        rows[1]["app"] = None  # not null: the batch fails
        assert not check_or_quarantine(connection, "app_spans", rows, "import", NOW).success
    return 1, rows


def _actions(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as connection:
        query = select(audit_log.c.action, audit_log.c.subject_ref)
        return [(a, s) for a, s in connection.execute(query)]


def test_a_batch_is_listed_and_detailed_without_values_then_discarded(engine: Engine) -> None:
    person, rows = _quarantine(engine)
    [listed] = list_batches(engine)
    assert listed["person"] == "s_0123456789abcdef" and listed["rows"] == len(rows)
    assert listed["failed checks"] == "app: not_null (1 row(s))"
    detail = batch_detail(engine, listed["id"])
    assert detail.columns == sorted(rows[0]) and detail.source == "import"
    assert detail.failures == [
        {"column": "app", "check": "not_null", "observed": "1 row(s)", "rule": "str, not null"}
    ]
    assert "Ada" not in repr(detail) and "v0" not in repr(detail)  # no name, no value
    discard_batch(engine, listed["id"], user_id=7, now=NOW)
    assert count_batches(engine) == 0
    assert ("quarantine.discarded", f"person:{person}") in _actions(engine)
    with pytest.raises(InvalidRequest, match="already discarded"):
        discard_batch(engine, listed["id"], user_id=7, now=NOW)
    with pytest.raises(InvalidRequest, match="already discarded"):
        batch_detail(engine, listed["id"])


def test_a_purge_is_logged_and_never_runs_as_of_a_future_day(
    engine: Engine, object_store: ObjectStore
) -> None:
    storage = Storage(load_settings(), engine, object_store)  # nobody departed: no vault
    assert retention_policy(engine)["screenshots"] == 30
    with pytest.raises(InvalidRequest, match="future date"):
        purge_now(storage, date(2026, 4, 1), user_id=7, now=NOW)
    assert purge_history(engine) == [] and not _actions(engine)
    report = purge_now(storage, date(2026, 3, 30), user_id=7, now=NOW)
    [run] = purge_history(engine)
    assert run["as of"] == date(2026, 3, 30) and run["removed"] == 0 and run["finished"]
    assert report.counts and _actions(engine) == [("retention.purged", None)]
