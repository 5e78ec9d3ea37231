"""`traq keys rotate` through the real command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from storage.crypto.envelope import seal
from storage.crypto.keys import load_master_key
from storage.db import schema
from storage.facade import open_storage
from tests.traq.cli import assert_one_line_error, installed_key_file, traq


def test_rotation_keeps_every_object_readable(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    env = {"TRAQ_DATA_DIR": str(tmp_path)}
    monkeypatch.setenv("TRAQ_DATA_DIR", str(tmp_path))
    assert traq("init", env=env).returncode == 0
    storage = open_storage()
    now = datetime.now(UTC)
    with storage.engine.begin() as connection:
        team = connection.execute(insert(schema.teams).values(name="T", department="D"))
        person = connection.execute(
            insert(schema.people).values(
                pseudonym="s_00000000000000b2",
                display_name="Lin",
                timezone="UTC",
                team_id=team.inserted_primary_key[0],
                created_at=now,
            )
        ).inserted_primary_key[0]
        public = storage.vault.create_subject_key(connection, person, now)
    envelope = seal(public.public_key, public.key_id, "x", b"sealed before rotation")
    before = load_master_key(installed_key_file(env)).key_id
    storage.close()

    result = traq("keys", "rotate", env=env)
    assert result.returncode == 0, result.stderr
    assert "1 subject keys re-wrapped" in result.stdout
    after = open_storage()
    assert after.vault.master_key_id != before
    assert after.vault.open(envelope) == b"sealed before rotation"
    after.close()


def test_rotation_before_init_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(traq("keys", "rotate", env={"TRAQ_DATA_DIR": str(tmp_path)}), "traq init")
