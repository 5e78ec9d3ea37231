"""A small demo installation over SQLite or PostgreSQL, and `traq` run as a user would."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.fixtures.db import PG_DSN
from tests.traq.cli import traq


def traq_cmd(
    *args: str, env: Mapping[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`traq ARGS` in a child process with ``env`` over a clean environment."""
    return traq(*args, env=env, timeout=timeout)


@dataclass
class Installation:
    """A demo installation: its environment and database URL."""

    env: dict[str, str]
    database_url: str
    data_dir: Path


def _ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Installation]:
    """`traq init` + a 8-person, 3-day demo, once per module and backend."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    env = {"TRAQ_DATA_DIR": str(data_dir)}
    schema = None
    if request.param == "postgresql":
        request.getfixturevalue("postgres_dsn")
        schema = f"tq_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_DSN, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        env["TRAQ_DATABASE_URL"] = f"{PG_DSN}?options=-csearch_path%3D{schema}"
    _ok(traq_cmd("init", env=env))
    _ok(
        traq_cmd(
            "demo", "--employees", "8", "--days", "3", "--seed", "1", "--end", "2026-03-31", env=env
        )
    )
    url = env.get("TRAQ_DATABASE_URL", f"sqlite:///{data_dir / 'traq.db'}")
    yield Installation(env, url, data_dir)
    if schema is not None:
        with psycopg.connect(PG_DSN, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
