"""A real TraqNext installation in a temp folder, with people, for collector tests."""

from __future__ import annotations

import contextlib
import io
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, update

from collector.run import CollectorConfig, load_config
from storage.config import Settings, load_settings
from storage.db import schema
from storage.db.engine import open_engine
from storage.objects import ObjectStore, open_object_store
from storage.policies import set_policy
from storage.vault import KeyVault, open_vault
from traq.main import main as traq_main


@dataclass
class Install:
    """An initialised installation: its environment, engine and object store."""

    env: dict[str, str]
    settings: Settings
    engine: Engine
    spool_dir: Path

    @property
    def objects(self) -> ObjectStore:
        """A fresh handle on the object store."""
        return open_object_store(self.settings.object_store_url)

    def vault(self) -> KeyVault:
        """The key vault (tests may open what the collector cannot)."""
        return open_vault(self.engine, self.settings)

    def add_person(self, timezone: str = "UTC") -> str:
        """A person with a live key pair; return their pseudonym."""
        pseudonym = f"s_{secrets.token_hex(8)}"
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            team = connection.execute(
                insert(schema.teams).values(name=f"Team {pseudonym}", department="Tests")
            ).inserted_primary_key[0]  # type: ignore[index]
            person = connection.execute(
                insert(schema.people).values(
                    pseudonym=pseudonym,
                    display_name="Test Person",
                    team_id=team,
                    timezone=timezone,
                    created_at=now,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            self.vault().create_subject_key(connection, int(person), now)
        return pseudonym

    def set_consent(self, pseudonym: str, consent: str) -> None:
        """Give or withdraw the person's consent."""
        self.set_person(pseudonym, consent=consent)

    def set_person(self, pseudonym: str, **values: object) -> None:
        """Change the person's row (``consent``, ``objected``, ``restricted``)."""
        with self.engine.begin() as connection:
            connection.execute(
                update(schema.people).where(schema.people.c.pseudonym == pseudonym).values(**values)
            )

    def set_policy(self, name: str, value: object) -> None:
        """Change one organisation policy."""
        with self.engine.begin() as connection:
            set_policy(connection, name, value, "tests", datetime.now(UTC))

    def config(self, **options: object) -> CollectorConfig:
        """A collector config for this installation."""
        return load_config(self.env, **options)


@contextlib.contextmanager
def installation(
    tmp_path: Path, database_url: str, object_store_url: str | None = None
) -> Iterator[Install]:
    """Run `traq init` in ``tmp_path`` against ``database_url`` and the object store."""
    env = {
        "TRAQ_DATA_DIR": str(tmp_path / "data"),
        "TRAQ_DATABASE_URL": database_url,
        "TRAQ_SPOOL_DIR": str(tmp_path / "spool"),
    }
    if object_store_url:
        env["TRAQ_OBJECT_STORE"] = object_store_url
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with contextlib.redirect_stdout(io.StringIO()):
            assert traq_main(["init"]) == 0
    full_env = {**{k: v for k, v in os.environ.items() if k.startswith("AWS_")}, **env}
    settings = load_settings(env)
    engine = open_engine(settings.database_url)
    try:
        yield Install(full_env, settings, engine, Path(env["TRAQ_SPOOL_DIR"]))
    finally:
        engine.dispose()
