"""The key vault over every database backend, with crypto-shredding proven on real stores."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from storage.crypto.envelope import Sealer, seal
from storage.crypto.keys import create_master_key_file, load_master_key
from storage.db import schema
from storage.errors import InvalidToken, KeyDestroyed, MasterKeyError
from storage.objects import ObjectStore, screenshot_key
from storage.vault import KeyVault, open_master_key, rotate_master_key
from tests.storage.keys import install_master_key

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
PSEUDONYM = "s_00000000000000a1"


@pytest.fixture
def master_file(tmp_path: Path, engine: Engine) -> Path:
    path = tmp_path / "keys" / "master.key"
    install_master_key(engine, path)
    return path


@pytest.fixture
def person(engine: Engine) -> int:
    with engine.begin() as connection:
        team = connection.execute(insert(schema.teams).values(name="T", department="D"))
        return int(
            connection.execute(
                insert(schema.people).values(
                    pseudonym=PSEUDONYM,
                    display_name="Grace",
                    timezone="UTC",
                    team_id=team.inserted_primary_key[0],
                    created_at=NOW,
                )
            ).inserted_primary_key[0]
        )


def _vault(engine: Engine, master_file: Path) -> KeyVault:
    return KeyVault(engine, open_master_key(engine, master_file))


def test_sealed_with_public_key_opens_through_vault(
    engine: Engine, master_file: Path, person: int
) -> None:
    vault = _vault(engine, master_file)
    with engine.begin() as connection:
        public = vault.create_subject_key(connection, person, NOW)
        assert vault.public_key_for(connection, person) == public
    envelope = Sealer(public.public_key, public.key_id).seal("obj/1", b"pixels")
    assert _vault(engine, master_file).open(envelope, object_id="obj/1") == b"pixels"
    with pytest.raises(InvalidToken):
        vault.open(envelope, object_id="obj/2")


def test_erasure_shreds_every_copy_including_old_object_versions(
    engine: Engine, master_file: Path, person: int, object_store: ObjectStore, tmp_path: Path
) -> None:
    vault = _vault(engine, master_file)
    with engine.begin() as connection:
        public = vault.create_subject_key(connection, person, NOW)
    key = screenshot_key(PSEUDONYM, 1_777_000_000, 1)
    first_version = object_store.put(key, seal(public.public_key, public.key_id, key, b"first"))
    backup = tmp_path / "backup.tqe"  # a backup taken before the object was replaced
    backup.write_bytes(object_store.get(key))
    object_store.put(key, seal(public.public_key, public.key_id, key, b"second"))
    copies = [backup.read_bytes(), object_store.get(key)]
    if first_version is not None:  # a versioned bucket still holds the first version
        copies.append(object_store.get(key, first_version))
        assert vault.open(copies[-1], object_id=key) == b"first"
    assert vault.open(copies[0], object_id=key) == b"first"

    with engine.begin() as connection:
        destroyed = vault.destroy_subject_keys(connection, person, NOW)
    assert destroyed == [public.key_id]
    for copy in copies:
        for reader in (vault, _vault(engine, master_file)):  # cached and fresh vaults alike
            with pytest.raises(KeyDestroyed):
                reader.open(copy, object_id=key)
    with engine.connect() as connection:
        tombstone = connection.execute(select(schema.subject_keys)).one()
    assert tombstone.wrapped_private is None and tombstone.person_id is None
    assert tombstone.destroyed_at == NOW


def test_master_key_rotation_rewraps_without_touching_objects(
    engine: Engine, master_file: Path, person: int
) -> None:
    with engine.begin() as connection:
        public = _vault(engine, master_file).create_subject_key(connection, person, NOW)
    envelope = seal(public.public_key, public.key_id, "o", b"before rotation")
    old_id = load_master_key(master_file).key_id
    new_id, count = rotate_master_key(engine, master_file)
    assert count == 1 and new_id != old_id
    assert load_master_key(master_file).key_id == new_id
    assert _vault(engine, master_file).open(envelope) == b"before rotation"


def test_rotation_interrupted_after_commit_completes_on_next_open(
    engine: Engine, master_file: Path, person: int
) -> None:
    with engine.begin() as connection:
        public = _vault(engine, master_file).create_subject_key(connection, person, NOW)
    envelope = seal(public.public_key, public.key_id, "o", b"x")
    old = load_master_key(master_file)
    pending = master_file.with_name("master.key.new")
    new = create_master_key_file(pending)
    with engine.begin() as connection:  # the database switched; the process died here
        KeyVault(engine, old).rewrap_all(connection, new)
    assert open_master_key(engine, master_file).key_id == new.key_id
    assert not pending.exists()
    assert _vault(engine, master_file).open(envelope) == b"x"


def test_a_different_master_key_is_refused(
    engine: Engine, master_file: Path, tmp_path: Path
) -> None:
    stranger = tmp_path / "stranger.key"
    create_master_key_file(stranger)
    with pytest.raises(MasterKeyError, match="is not the one this database uses"):
        open_master_key(engine, stranger)


def test_person_without_live_key(engine: Engine, master_file: Path, person: int) -> None:
    vault = _vault(engine, master_file)
    with engine.begin() as connection, pytest.raises(KeyDestroyed):
        vault.public_key_for(connection, person)
