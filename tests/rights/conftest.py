"""The demo organisation in a fresh installation, over every database and object backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.accounts import create_user
from storage.config import load_settings
from storage.facade import Storage, open_storage
from tests.analytics.builders import add_person, add_team
from tests.fixtures.s3 import OBJECT_BACKENDS
from traq.main import main

DEMO = [
    "demo", "--employees", "12", "--days", "3", "--seed", "5", "--end", "2026-03-31",
    "--screenshot-days", "1",
]  # fmt: skip


@pytest.fixture(params=OBJECT_BACKENDS, ids=OBJECT_BACKENDS)
def demo_env(
    request: pytest.FixtureRequest,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, str]:
    """`traq init` and the 12-person demo; the environment pointing at them."""
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_DATABASE_URL": database_url}
    if request.param == "s3":
        env["TRAQ_OBJECT_STORE"] = request.getfixturevalue("s3_store_url")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["init"]) == 0
    status = main(DEMO)
    assert status == 0, capsys.readouterr().err
    capsys.readouterr()
    return env


@pytest.fixture
def demo_storage(demo_env: dict[str, str]) -> Iterator[Storage]:
    """The opened storage of the demo installation."""
    storage = open_storage(load_settings(demo_env))
    yield storage
    storage.close()


FILED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Org:
    """The people of the small organisation: their ids."""

    alice: int
    bob: int


@pytest.fixture
def org(engine: Engine) -> Org:
    """Two people with accounts (alice, bob) in one team, a DPO and a manager."""
    with engine.begin() as connection:
        team = add_team(connection, "Core")
        alice, _ = add_person(connection, team)
        bob, _ = add_person(connection, team)
        create_user(connection, "alice", "employee", None, FILED, person_id=alice)
        create_user(connection, "bob", "employee", None, FILED, person_id=bob)
        create_user(connection, "dora", "dpo", None, FILED)
        create_user(connection, "boss", "manager", None, FILED)
    return Org(alice, bob)
