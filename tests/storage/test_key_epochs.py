"""Epoch keys over every database backend: adoption, ending an epoch, crashes and rollbacks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select, text

from storage.crypto.envelope import seal
from storage.crypto.epochs import EpochKey, new_epoch_key, open_epoch_key, seal_epoch_key
from storage.crypto.keys import create_master_key_file, load_master_key
from storage.db import schema
from storage.epochs import ensure_epoch
from storage.errors import InvalidToken, KeyDestroyed
from storage.keystore import FileKeyStore, open_master_key
from storage.vault import KeyVault
from tests.analytics.builders import add_person, add_team
from tests.storage.keys import insert_legacy_key, install_master_key

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def key_file(tmp_path: Path, engine: Engine) -> Path:
    path = tmp_path / "keys" / "master.key"
    install_master_key(engine, path)
    return path


def _vault(engine: Engine, key_file: Path) -> KeyVault:
    store = FileKeyStore(key_file)
    return KeyVault(engine, store.load(engine), store)


def _people(engine: Engine, count: int) -> list[int]:
    with engine.begin() as connection:
        team = add_team(connection, "T")
        return [add_person(connection, team)[0] for _ in range(count)]


def _sealed(vault: KeyVault, engine: Engine, people: list[int]) -> list[bytes]:
    with engine.begin() as connection:
        keys = [vault.create_subject_key(connection, p, NOW) for p in people]
    return [seal(k.public_key, k.key_id, "o", f"person {i}".encode()) for i, k in enumerate(keys)]


def test_keys_made_before_epochs_open_and_are_adopted(engine: Engine, key_file: Path) -> None:
    (person,) = _people(engine, 1)
    master = load_master_key(key_file)
    with engine.begin() as connection:
        legacy = insert_legacy_key(connection, master, person)
    envelope = seal(legacy.public_key, legacy.key_id, "o", b"old")
    assert _vault(engine, key_file).open(envelope) == b"old"
    with engine.begin() as connection:
        kek = ensure_epoch(connection, master, NOW)
    with engine.connect() as connection:
        row = connection.execute(select(schema.subject_keys)).one()
    assert row.epoch == kek.epoch == 1 and row.wrapped_private != legacy.wrapped_private
    assert _vault(engine, key_file).open(envelope) == b"old"


def test_the_old_master_key_is_gone_once_the_erasure_commits(
    engine: Engine, key_file: Path
) -> None:
    vault = _vault(engine, key_file)
    _sealed(vault, engine, _people(engine, 1))
    old_bytes = key_file.read_bytes()
    with engine.begin() as connection:
        change = vault.end_epoch(connection, NOW)
    # No settle() call: the caller only committed (as the DPO page does).
    assert not key_file.with_name("master.key.new").exists()
    assert key_file.read_bytes() != old_bytes
    assert load_master_key(key_file).key_id == change.master_key_id


def test_ending_an_epoch_rewraps_everyone_and_destroys_the_old_keys(
    engine: Engine, key_file: Path
) -> None:
    vault = _vault(engine, key_file)
    envelopes = _sealed(vault, engine, _people(engine, 3))
    old_master = load_master_key(key_file)
    with engine.connect() as connection:
        old_row = connection.execute(select(schema.key_epochs)).one()
    with engine.begin() as connection:
        change = vault.end_epoch(connection, NOW)
    vault.settle()
    assert change.epoch == 2 and change.rewrapped == 3
    new_master = load_master_key(key_file)
    assert new_master.key_id == change.master_key_id != old_master.key_id
    assert not key_file.with_name("master.key.new").exists()
    with engine.connect() as connection:
        rows = connection.execute(select(schema.key_epochs)).all()
        epochs = set(connection.execute(select(schema.subject_keys.c.epoch)).scalars())
    assert [r.epoch for r in rows] == [2] and epochs == {2}
    # The old epoch's key no longer opens with the live master key (it took a new one).
    with pytest.raises(InvalidToken):
        open_epoch_key(new_master, 1, bytes(old_row.wrapped_kek))
    fresh = _vault(engine, key_file)
    assert [fresh.open(e) for e in envelopes] == [b"person 0", b"person 1", b"person 2"]
    assert [vault.open(e) for e in envelopes] == [b"person 0", b"person 1", b"person 2"]


def test_a_rolled_back_erasure_keeps_the_old_keys(engine: Engine, key_file: Path) -> None:
    vault = _vault(engine, key_file)
    (envelope,) = _sealed(vault, engine, _people(engine, 1))
    before = load_master_key(key_file)
    with pytest.raises(RuntimeError), engine.begin() as connection:
        vault.end_epoch(connection, NOW)
        raise RuntimeError("the erasure failed later on")
    vault.settle()
    assert load_master_key(key_file) == before
    assert open_master_key(engine, key_file) == before
    assert _vault(engine, key_file).open(envelope) == b"person 0"
    assert vault.open(envelope) == b"person 0"


def test_a_crash_after_commit_finishes_on_the_next_open(engine: Engine, key_file: Path) -> None:
    vault = _vault(engine, key_file)
    (envelope,) = _sealed(vault, engine, _people(engine, 1))
    old_bytes = key_file.read_bytes()
    with engine.connect() as connection:
        change = vault.end_epoch(connection, NOW)
        connection.commit()
        # The process dies here, before the connection is back in the pool: both keys are
        # on disk and the database uses the new one.
        assert key_file.with_name("master.key.new").exists()
        reopened = open_master_key(engine, key_file)
    assert reopened.key_id == change.master_key_id
    assert key_file.read_bytes() != old_bytes
    assert not key_file.with_name("master.key.new").exists()
    assert _vault(engine, key_file).open(envelope) == b"person 0"


def test_destroyed_keys_stay_destroyed_across_epochs(engine: Engine, key_file: Path) -> None:
    vault = _vault(engine, key_file)
    first, second = _people(engine, 2)
    envelopes = _sealed(vault, engine, [first, second])
    with engine.begin() as connection:
        vault.destroy_subject_keys(connection, first, NOW)
        change = vault.end_epoch(connection, NOW)
    vault.settle()
    assert change.rewrapped == 1
    with pytest.raises(KeyDestroyed):
        _vault(engine, key_file).open(envelopes[0])
    assert _vault(engine, key_file).open(envelopes[1]) == b"person 1"


def test_a_blob_moved_to_another_key_or_epoch_does_not_open() -> None:
    kek = new_epoch_key(4)
    blob = kek.wrap_private("k_1", b"\x01" * 32)
    assert kek.unwrap_private("k_1", blob) == b"\x01" * 32
    for other, key_id in ((kek, "k_2"), (EpochKey(5, kek.key), "k_1"), (new_epoch_key(4), "k_1")):
        with pytest.raises(InvalidToken):
            other.unwrap_private(key_id, blob)


def test_the_epoch_key_is_bound_to_its_epoch_and_master(tmp_path: Path) -> None:
    master = create_master_key_file(tmp_path / "a.key")
    other = create_master_key_file(tmp_path / "b.key")
    kek = new_epoch_key(7)
    blob = seal_epoch_key(master, kek)
    assert open_epoch_key(master, 7, blob) == kek
    for key, epoch in ((master, 8), (other, 7)):
        with pytest.raises(InvalidToken):
            open_epoch_key(key, epoch, blob)


def test_sqlite_leaves_no_trace_of_the_old_epoch_key(tmp_path: Path) -> None:
    from storage.db.engine import open_engine
    from storage.db.migrate import upgrade_to_head

    engine = open_engine(f"sqlite:///{tmp_path / 'traq.db'}")
    # As SQLite is built upstream (secure_delete off by default), whatever this build says.
    event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA secure_delete=OFF"))
    upgrade_to_head(engine)
    key_file = tmp_path / "keys" / "master.key"
    install_master_key(engine, key_file)
    vault = _vault(engine, key_file)
    _sealed(vault, engine, _people(engine, 2))
    with engine.connect() as connection:
        old = bytes(connection.execute(select(schema.key_epochs.c.wrapped_kek)).scalar_one())
    with engine.begin() as connection:
        vault.end_epoch(connection, NOW)
    vault.settle()
    with engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("traq.db")]
    assert files and all(old not in p.read_bytes() for p in files)


def test_a_key_made_during_an_erasure_is_rewrapped_not_lost(
    pg_schema_url: str, tmp_path: Path
) -> None:
    """PostgreSQL: a person added while an erasure runs ends up under the new epoch."""
    from storage.db.engine import open_engine
    from storage.db.migrate import upgrade_to_head

    engine = open_engine(pg_schema_url)
    upgrade_to_head(engine)
    key_file = tmp_path / "keys" / "master.key"
    install_master_key(engine, key_file)
    erased, added = _people(engine, 2)
    _sealed(_vault(engine, key_file), engine, [erased])
    adding = engine.connect()
    adding.begin()
    public = _vault(engine, key_file).create_subject_key(adding, added, NOW)

    def erase() -> None:
        vault = _vault(engine, key_file)
        with engine.begin() as connection:
            vault.destroy_subject_keys(connection, erased, NOW)
            vault.end_epoch(connection, NOW)

    eraser = threading.Thread(target=erase)
    eraser.start()
    eraser.join(timeout=1.0)
    assert eraser.is_alive()  # waits for the new key's transaction
    adding.commit()
    adding.close()
    eraser.join(timeout=30)
    assert not eraser.is_alive()
    envelope = seal(public.public_key, public.key_id, "o", b"added meanwhile")
    assert _vault(engine, key_file).open(envelope) == b"added meanwhile"
    with engine.connect() as connection:
        assert list(connection.execute(select(schema.key_epochs.c.epoch)).scalars()) == [2]
    engine.dispose()
