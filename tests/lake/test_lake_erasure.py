"""An erasure reaches the lake: its partitions are rewritten without the person, no version
keeps them, and the audit's lake check sees them until then (a data team's reader too)."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from analytics.lake.erased import (
    LAKE_PREFIX,
    lake_evidence,
    refresh_after_deletion,
    rows_of_unknown_people,
)
from analytics.lake.parts import part_key
from storage.config import load_settings
from storage.db import schema
from storage.erasure import erase_subject
from storage.facade import Storage, open_storage
from tests.fixtures.s3 import OBJECT_BACKENDS
from tests.lake.conftest import DEMO
from tests.lake.grants import employee_accounts, until
from traq.commands.export_cmd import DEFAULT_PREFIX
from traq.demo.accounts import DPO
from traq.main import main

NOW = datetime(2026, 3, 10, tzinfo=UTC)


@pytest.fixture(params=OBJECT_BACKENDS, ids=OBJECT_BACKENDS)
def installation(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Storage:
    """A demo on SQLite whose own object store is a folder or a versioned bucket, with its
    lake exported twice (so, on S3, every part has had an older version)."""
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data")}
    if request.param == "s3":
        env["TRAQ_OBJECT_STORE"] = request.getfixturevalue("s3_store_url")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["init"]) == 0
        assert main(DEMO) == 0
        # Person rows reach the lake only under a DPO's grant: an analyst exports under one.
        analyst = employee_accounts(load_settings(env).database_url, 12)[-1]
        assert (
            main(
                [
                    "grants",
                    "give",
                    "--as",
                    DPO,
                    "--account",
                    analyst,
                    "--purpose",
                    "audit",
                    "--from",
                    "2026-01-01",
                    "--to",
                    "2026-03-31",
                    "--until",
                    until(),
                ]
            )
            == 0
        )
        assert main(["export", "parquet", "--json", "--as", analyst]) == 0
        assert main(["export", "parquet", "--json", "--full", "--as", analyst]) == 0
    return open_storage(load_settings(env))


def _victim(storage: Storage) -> int:
    with storage.engine.connect() as c:
        return int(c.execute(select(schema.people.c.id).order_by(schema.people.c.id)).scalar())


def test_erasure_rewrites_the_lake_without_the_person(installation: Storage) -> None:
    storage = installation
    victim = _victim(storage)
    assert lake_evidence(storage.engine, storage.objects) == {"lake_old_versions": 0}
    with storage.engine.begin() as c:
        erase_subject(c, storage.objects, storage.vault, victim, actor="user:1", now=NOW)
    before = rows_of_unknown_people(storage.engine, storage.objects)
    assert before.keys() == {"people", "activity_minutes", "app_spans", "activity_10min",
                             "activity_daily", "app_daily"}  # fmt: skip

    report = refresh_after_deletion(storage.engine, storage.objects, NOW)

    # Without a live grant the refresh deletes the person rows instead of rewriting them.
    assert report is not None
    assert report.written.get("activity_minutes") or report.deleted.get("activity_minutes")
    assert lake_evidence(storage.engine, storage.objects) == {"lake_old_versions": 0}
    storage.close()


def test_an_old_version_of_a_part_is_a_lake_violation(installation: Storage) -> None:
    storage = installation
    key = part_key(LAKE_PREFIX, "people", None, 0)
    storage.objects.put(key, storage.objects.get(key))  # a plain put keeps the old version
    expected = 1 if storage.objects.url.startswith("s3://") else 0
    assert lake_evidence(storage.engine, storage.objects)["lake_old_versions"] == expected
    storage.close()


def test_no_lake_means_nothing_to_refresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAQ_DATA_DIR", str(tmp_path / "data"))
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["init"]) == 0
    storage = open_storage()
    assert refresh_after_deletion(storage.engine, storage.objects, NOW) is None
    assert lake_evidence(storage.engine, storage.objects) == {"lake_old_versions": 0}
    storage.close()


def test_the_command_and_the_erasure_name_the_same_lake() -> None:
    assert DEFAULT_PREFIX == LAKE_PREFIX
