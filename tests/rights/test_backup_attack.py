"""An attacker holding a backup from before an erasure, and every key that still exists.

SQLite with the objects in the data folder, and PostgreSQL (pg_dump, restored) with S3:
back up, erase one person through `traq rights erase`, then try every live master key and
every live epoch key on the backup. The person's screenshots and window titles stay shut;
everyone else's live data still opens. The same attack run before the erasure succeeds,
so the attack itself is proven able to open what it should.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from storage.config import load_settings
from storage.crypto.envelope import open_envelope
from storage.crypto.epochs import EpochKey, open_epoch_key
from storage.crypto.keys import MasterKey
from storage.db import schema
from storage.db.engine import open_engine
from storage.errors import InvalidToken, MasterKeyError
from storage.facade import Storage, open_storage
from storage.objects import LocalObjectStore, ObjectStore
from tests.rights.conftest import DEMO
from tests.traq.cli import installed_key_file
from traq.main import main

DPO = "ilse.marchetti"


@dataclass
class Backup:
    """A copy of the database and of the objects, as an operator's backup would hold."""

    engine: Engine
    objects: ObjectStore


@pytest.fixture(params=["sqlite-folder", "postgresql-s3"])
def company(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, str]:
    """`traq init` and the demo organisation on one of the two deployments."""
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data")}
    if request.param == "postgresql-s3":
        env["TRAQ_DATABASE_URL"] = request.getfixturevalue("pg_schema_url")
        env["TRAQ_OBJECT_STORE"] = request.getfixturevalue("s3_store_url")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["init"]) == 0
    assert main(DEMO) == 0, capsys.readouterr().err
    capsys.readouterr()
    return env


def _copy_objects(source: ObjectStore, target: Path) -> ObjectStore:
    copy = LocalObjectStore(target)
    for key in source.list_keys():
        copy.put(key, source.get(key))
    return copy


@pytest.fixture
def pg_restore_target(postgres_dsn: str) -> Iterator[str]:
    """An empty database for restoring a dump into, dropped afterwards."""
    name = f"tqbk_{uuid.uuid4().hex[:10]}"
    admin = open_engine(postgres_dsn).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield name
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


def take_backup(storage: Storage, folder: Path, request: pytest.FixtureRequest) -> Backup:
    """Copy the data folder (SQLite) or pg_dump and restore the schema (PostgreSQL)."""
    url = storage.engine.url
    if url.get_backend_name() == "sqlite":
        shutil.copytree(storage.settings.data_dir, folder / "data")
        engine = open_engine(f"sqlite:///{folder / 'data' / 'traq.db'}")
        objects: ObjectStore = LocalObjectStore(folder / "data" / "objects")
    else:
        dsn = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
        schema_name = str(url.query["options"]).split("=")[-1]
        folder.mkdir(parents=True)
        dump = folder / "dump.sql"
        subprocess.run(["pg_dump", "-n", schema_name, "-f", str(dump), dsn], check=True)
        target: str = request.getfixturevalue("pg_restore_target")
        restored = url.set(database=target)
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(dump),
             restored.set(drivername="postgresql", query={}).render_as_string(False)],
            check=True, capture_output=True,
        )  # fmt: skip
        engine = open_engine(restored.render_as_string(hide_password=False))
        objects = _copy_objects(storage.objects, folder / "objects")
    request.addfinalizer(engine.dispose)
    return Backup(engine, objects)


def _victim(storage: Storage) -> tuple[str, int]:
    """An employee with an account, screenshots and window titles."""
    with storage.engine.connect() as connection:
        row = connection.execute(
            select(schema.users.c.username, schema.users.c.person_id)
            .where(schema.users.c.role == "employee")
            .where(schema.users.c.person_id.in_(select(schema.screenshots.c.person_id)))
            .where(
                schema.users.c.person_id.in_(
                    select(schema.app_spans.c.person_id).where(
                        schema.app_spans.c.title_ct.is_not(None)
                    )
                )
            )
            .order_by(schema.users.c.id)
            .limit(1)
        ).one()
    return str(row.username), int(row.person_id)


def _sealed(engine: Engine, objects: ObjectStore, person_id: int) -> list[tuple[str, bytes]]:
    """(object id, envelope) of the person's screenshots and window titles in a copy."""
    with engine.connect() as connection:
        shots = connection.execute(
            select(schema.screenshots.c.object_key).where(
                schema.screenshots.c.person_id == person_id
            )
        ).scalars()
        found = [(key, objects.get(key)) for key in shots]
        titles = connection.execute(
            select(schema.app_spans.c.title_ct)
            .where(schema.app_spans.c.person_id == person_id)
            .where(schema.app_spans.c.title_ct.is_not(None))
            .limit(20)
        ).scalars()
        found += [("", bytes(title)) for title in titles]
    assert found
    return found


def keys_that_exist(
    settings_env: dict[str, str], live: Engine
) -> tuple[list[MasterKey], list[EpochKey]]:
    """Every master key file the operator still has, and every epoch key they open."""
    folders = [load_settings(settings_env).key_folder, load_settings(settings_env).data_dir]
    masters = [
        MasterKey(path.read_bytes())
        for folder in folders
        if folder is not None
        for path in folder.rglob("*")
        if path.is_file() and path.stat().st_size == 32
    ]
    keks = []
    with live.connect() as connection:
        for row in connection.execute(select(schema.key_epochs)):
            for master in masters:
                try:
                    keks.append(open_epoch_key(master, row.epoch, bytes(row.wrapped_kek)))
                except InvalidToken:
                    continue
    assert masters and keks  # the live installation opens with what exists
    return masters, keks


def attack(
    backup: Engine, masters: list[MasterKey], keks: list[EpochKey], person_id: int
) -> list[Any]:
    """Try every key on the backup's copy of the person's private key; what opened."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    with backup.connect() as connection:
        epochs = connection.execute(select(schema.key_epochs)).all()
        rows = connection.execute(
            select(schema.subject_keys).where(schema.subject_keys.c.person_id == person_id)
        ).all()
    assert rows and epochs
    candidates = list(keks)
    for row in epochs:  # the backup's own epoch keys, through any live master key
        for master in masters:
            try:
                candidates.append(open_epoch_key(master, row.epoch, bytes(row.wrapped_kek)))
            except InvalidToken:
                continue
    opened = []
    for row in rows:
        for kek in candidates:
            # Relabelled to the row's epoch too: the attacker is not bound by our labels.
            for label in {kek.epoch, row.epoch}:
                try:
                    raw = EpochKey(label, kek.key).unwrap_private(
                        row.key_id, bytes(row.wrapped_private)
                    )
                except InvalidToken:
                    continue
                opened.append(X25519PrivateKey.from_private_bytes(raw))
    return opened


def test_a_backup_from_before_an_erasure_opens_nothing_of_the_person(
    company: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    storage = open_storage(load_settings(company))
    victim_name, victim = _victim(storage)
    backup = take_backup(storage, tmp_path / "backup", request)
    sealed = _sealed(backup.engine, backup.objects, victim)
    # Before the erasure the attack works: it is able to open what it should.
    masters, keks = keys_that_exist(company, storage.engine)
    opened = attack(backup.engine, masters, keks, victim)
    assert opened and open_envelope(opened[0], sealed[0][1], object_id=sealed[0][0])
    with storage.engine.connect() as connection:
        other = connection.execute(
            select(schema.screenshots.c.person_id, schema.screenshots.c.object_key)
            .where(schema.screenshots.c.person_id != victim)
            .limit(1)
        ).one()
    storage.close()

    status = main(["rights", "file", "erasure", "--as", victim_name, "--json"])
    request_id = str(json.loads(capsys.readouterr().out)["id"])
    assert status == 0
    assert main(["rights", "approve", request_id, "--as", DPO]) == 0
    assert main(["rights", "erase", request_id, "--as", DPO, "--json"]) == 0
    erased = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert erased["erasure"]["keys_destroyed"] == 1 and erased["erasure"]["keys_rewrapped"] > 0

    live = open_storage(load_settings(company))
    assert erased["erasure"]["master_key_id"] == live.vault.master_key_id
    masters, keks = keys_that_exist(company, live.engine)
    assert attack(backup.engine, masters, keks, victim) == []
    # Through the product too: the backup opened as an installation with the live key.
    with pytest.raises(MasterKeyError):
        restored = Storage(live.settings, backup.engine, backup.objects)
        restored.vault.open(sealed[0][1], object_id=sealed[0][0] or None)
    # Everyone else's data still opens, after the re-wrap, with the live keys.
    image = live.vault.open(live.objects.get(other.object_key), object_id=other.object_key)
    assert image
    with live.engine.connect() as connection:
        title = connection.execute(
            select(schema.app_spans.c.title_ct)
            .where(schema.app_spans.c.person_id != victim)
            .where(schema.app_spans.c.title_ct.is_not(None))
            .limit(1)
        ).scalar_one()
    assert live.vault.open(bytes(title))
    live.close()


def test_a_copy_of_the_data_folder_holds_no_master_key(
    company: dict[str, str], tmp_path: Path
) -> None:
    data = Path(company["TRAQ_DATA_DIR"])
    key = installed_key_file(company)
    assert key.exists() and not key.is_relative_to(data)
    secret = key.read_bytes()
    copied = shutil.copytree(data, tmp_path / "copy")
    for path in Path(copied).rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    assert not list(Path(copied).rglob("master.key*"))
