"""A KMS master key (``TRAQ_MASTER_KEY=kms:...``) against moto's KMS endpoint over HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from storage.config import load_settings
from storage.crypto.envelope import seal
from storage.crypto.kms import KmsMasterKey, make_kms_client
from storage.db import schema
from storage.errors import InvalidToken, MasterKeyError
from storage.facade import open_storage
from storage.vault import _SETTLE
from tests.analytics.builders import add_person, add_team
from tests.fixtures.s3 import S3Endpoint
from traq.main import main

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def kms(s3_env: S3Endpoint) -> Any:
    """A KMS client talking HTTP to the moto server (which serves KMS beside S3)."""
    return make_kms_client()


@pytest.fixture
def alias(kms: Any) -> str:
    """A fresh KMS key behind a fresh alias."""
    arn = kms.create_key(Description="test")["KeyMetadata"]["Arn"]
    name = f"alias/traq-{uuid.uuid4().hex[:10]}"
    kms.create_alias(AliasName=name, TargetKeyId=arn)
    return name


def _arn(kms: Any, key: str) -> str:
    return str(kms.describe_key(KeyId=key)["KeyMetadata"]["Arn"])


def test_wrap_and_unwrap_bind_the_context(kms: Any, alias: str) -> None:
    master = KmsMasterKey(kms, _arn(kms, alias))
    blob = master.wrap(b"k" * 32, b"epoch 1")
    assert master.unwrap(blob, b"epoch 1") == b"k" * 32
    with pytest.raises(InvalidToken):
        master.unwrap(blob, b"epoch 2")
    stranger = KmsMasterKey(kms, kms.create_key()["KeyMetadata"]["Arn"])
    with pytest.raises((InvalidToken, MasterKeyError)):
        stranger.unwrap(blob, b"epoch 1")


def test_bad_kms_setting_is_a_config_error() -> None:
    from storage.errors import ConfigError

    with pytest.raises(ConfigError, match="kms:KEY"):
        load_settings({"TRAQ_MASTER_KEY": "vault:xyz"})
    with pytest.raises(ConfigError, match="not both"):
        load_settings({"TRAQ_MASTER_KEY": "kms:alias/x", "TRAQ_MASTER_KEY_FILE": "/k"})


def test_an_installation_on_kms_ends_its_epoch_on_a_new_kms_key(
    kms: Any, alias: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_MASTER_KEY": f"kms:{alias}"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["init"]) == 0
    first_arn = _arn(kms, alias)
    storage = open_storage(load_settings(env))
    with storage.engine.begin() as connection:
        team = connection.execute(insert(schema.teams).values(name="T", department="D"))
        people = [
            connection.execute(
                insert(schema.people).values(
                    pseudonym=f"s_{i:016x}", display_name=f"P{i}", timezone="UTC",
                    team_id=team.inserted_primary_key[0], created_at=NOW,
                )
            ).inserted_primary_key[0]
            for i in range(2)
        ]  # fmt: skip
        keys = [storage.vault.create_subject_key(connection, p, NOW) for p in people]
    envelopes = [seal(k.public_key, k.key_id, "o", f"p{i}".encode()) for i, k in enumerate(keys)]
    assert storage.vault.open(envelopes[1]) == b"p1"
    with storage.engine.connect() as connection:
        row = connection.execute(select(schema.key_epochs)).one()
    assert row.master_key_ref == first_arn

    with storage.engine.begin() as connection:
        storage.vault.destroy_subject_keys(connection, people[0], NOW)
        change = storage.vault.end_epoch(connection, NOW)
    storage.close()  # settles: the alias moves on, the old key is retired
    assert change.rewrapped == 1
    second_arn = _arn(kms, alias)
    assert second_arn != first_arn
    old = kms.describe_key(KeyId=first_arn)["KeyMetadata"]
    # KMS refuses Decrypt for a key in this state and deletes it after the window; moto
    # records the state but still decrypts, so the state is what this test can check.
    assert old["KeyState"] == "PendingDeletion" and old["Enabled"] is False
    assert not list(Path(tmp_path).rglob("master.key*"))  # no key file anywhere
    assert not (load_settings(env).key_folder or tmp_path).exists()

    fresh = open_storage(load_settings(env))
    assert fresh.vault.open(envelopes[1]) == b"p1"
    with fresh.engine.connect() as connection:
        assert connection.execute(select(schema.key_epochs.c.master_key_ref)).scalar() == (
            second_arn
        )
    fresh.close()


def _kms_installation(
    alias: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, str], Any, list[bytes]]:
    """`traq init` on a KMS master key and one person's key; env, storage, an envelope."""
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_MASTER_KEY": f"kms:{alias}"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["init"]) == 0
    storage = open_storage(load_settings(env))
    with storage.engine.begin() as connection:
        person, _ = add_person(connection, add_team(connection, "T"))
        key = storage.vault.create_subject_key(connection, person, NOW)
    return env, storage, [seal(key.public_key, key.key_id, "o", b"kept")]


def test_a_crash_before_settle_retires_the_old_kms_key_on_the_next_load(
    kms: Any, alias: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, storage, (envelope,) = _kms_installation(alias, tmp_path, monkeypatch)
    first_arn = _arn(kms, alias)
    with storage.engine.connect() as connection:
        storage.vault.end_epoch(connection, NOW)
        connection.commit()
        connection.info.pop(_SETTLE)  # the process dies before the connection is returned
    assert kms.describe_key(KeyId=first_arn)["KeyMetadata"]["KeyState"] == "Enabled"
    storage.engine.dispose()
    fresh = open_storage(load_settings(env))
    assert fresh.vault.open(envelope) == b"kept"
    assert kms.describe_key(KeyId=first_arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    fresh.close()


def test_keys_rotate_on_kms_makes_a_new_key_and_retires_the_old(
    kms: Any, alias: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    env, storage, (envelope,) = _kms_installation(alias, tmp_path, monkeypatch)
    storage.close()
    first_arn = _arn(kms, alias)
    capsys.readouterr()
    assert main(["keys", "rotate"]) == 0
    assert f"KMS key {alias}" in capsys.readouterr().out
    assert _arn(kms, alias) != first_arn
    assert kms.describe_key(KeyId=first_arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    fresh = open_storage(load_settings(env))
    assert fresh.vault.open(envelope) == b"kept"
    fresh.close()
