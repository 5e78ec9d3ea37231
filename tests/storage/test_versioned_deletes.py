"""On a versioned bucket, every deletion the project makes leaves no old version behind.

An attacker with read access to the bucket lists object versions: after an employee's own
deletion of a screenshot, a rectification that removes wrongly tracked time, and a retention
purge, no version or delete marker of the removed object may remain (each still decrypts).
Each screenshot here was uploaded twice (a retried upload), so it has two versions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select

from services.rights import load_actor, transition
from services.rights.rectify import apply_rectification, file_rectification
from services.selfview import delete_my_screenshot
from storage.accounts import create_user
from storage.config import Settings
from storage.crypto.keys import create_master_key_file
from storage.db import schema
from storage.db.engine import open_engine
from storage.db.migrate import upgrade_to_head
from storage.erasure import erase_subject
from storage.facade import Storage
from storage.keystore import FileKeyStore
from storage.objects import ObjectStore, open_object_store, screenshot_key
from storage.retention import expired_object_prefixes, purge_prefixes, stale_versions
from storage.vault import KeyVault
from tests.analytics.builders import add_person, add_team, utc

NOW = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)
DAY = utc("2026-03-30T08:00")


@pytest.fixture
def storage(s3_store_url: str, tmp_path: Path) -> Storage:
    engine = open_engine(f"sqlite:///{tmp_path / 'traq.db'}")
    upgrade_to_head(engine)
    settings = Settings(tmp_path, str(engine.url), s3_store_url, tmp_path / "master.key")
    return Storage(settings, engine, open_object_store(s3_store_url))


def _shot(c: Connection, objects: ObjectStore, person: int, device: int, taken_at: int) -> str:
    pseudonym = c.execute(
        select(schema.people.c.pseudonym).where(schema.people.c.id == person)
    ).scalar_one()
    key = screenshot_key(pseudonym, taken_at, device)
    objects.put(key, b"sealed screenshot")
    objects.put(key, b"sealed screenshot")  # the upload was retried: two versions
    c.execute(
        insert(schema.screenshots).values(
            person_id=person, device_id=device, taken_at=taken_at, object_key=key,
            key_id="k", width=1, height=1, size_bytes=17, blurred=False,
        )
    )  # fmt: skip
    return key


def _versions(objects: ObjectStore, key: str) -> list[str]:
    return [f"{v.version_id} marker={v.is_delete_marker}" for v in objects.list_versions(key)]


def _org(storage: Storage) -> tuple[int, int]:
    with storage.engine.begin() as c:
        person, device = add_person(c, add_team(c, "Core"), "UTC")
    return person, device


def test_self_deletion_removes_every_version(storage: Storage) -> None:
    person, device = _org(storage)
    with storage.engine.begin() as c:
        key = _shot(c, storage.objects, person, device, DAY)
        kept = _shot(c, storage.objects, person, device, DAY + 300)
    assert len(_versions(storage.objects, key)) == 2

    delete_my_screenshot(storage, person, key)

    assert _versions(storage.objects, key) == []
    assert len(_versions(storage.objects, kept)) == 2


def test_rectification_removes_every_version(storage: Storage) -> None:
    person, device = _org(storage)
    with storage.engine.begin() as c:
        key = _shot(c, storage.objects, person, device, DAY + 60)
        create_user(c, "alice", "employee", None, NOW, person_id=person)
        create_user(c, "dora", "dpo", None, NOW)
    with storage.engine.begin() as c:
        me, dpo = load_actor(c, "alice"), load_actor(c, "dora")
        request = file_rectification(c, me, person, NOW, untracked=[(DAY, DAY + 3600)])
        transition(c, dpo, request.id, "approve", NOW)
        apply_rectification(storage, c, dpo, request.id, NOW)

    assert _versions(storage.objects, key) == []


def test_purge_removes_every_version(storage: Storage) -> None:
    person, device = _org(storage)
    with storage.engine.begin() as c:
        key = _shot(c, storage.objects, person, device, DAY)
    prefixes = expired_object_prefixes(storage.engine, storage.objects, date(2026, 4, 1))

    assert purge_prefixes(storage.objects, prefixes["screenshots"]) == 2

    assert _versions(storage.objects, key) == []


def test_stale_versions_counts_what_deletions_and_rewrites_left(storage: Storage) -> None:
    objects = storage.objects
    objects.put("subjects/x/retried", b"one")
    objects.put("subjects/x/retried", b"one")  # a retried upload: harmless, not stale
    objects.put("subjects/x/deleted", b"two")
    bucket, prefix = objects.url.removeprefix("s3://").split("/", 1)
    objects.client.delete_object(Bucket=bucket, Key=f"{prefix}/subjects/x/deleted")  # type: ignore[attr-defined]
    assert stale_versions(objects, "subjects/", overwritten=False) == 2  # marker + version
    assert stale_versions(objects, "subjects/", overwritten=True) == 3
    objects.delete("subjects/x/deleted")
    objects.overwrite("subjects/x/retried", b"one")
    assert stale_versions(objects, "subjects/", overwritten=True) == 0


def test_erasure_evidence_counts_objects_versions_and_markers(storage: Storage) -> None:
    person, device = _org(storage)
    with storage.engine.begin() as c:
        key = _shot(c, storage.objects, person, device, DAY)
        _shot(c, storage.objects, person, device, DAY + 300)
    bucket, prefix = storage.objects.url.removeprefix("s3://").split("/", 1)
    storage.objects.client.delete_object(Bucket=bucket, Key=f"{prefix}/{key}")  # type: ignore[attr-defined]
    key_file = storage.settings.data_dir / "m.key"
    vault = KeyVault(storage.engine, create_master_key_file(key_file), FileKeyStore(key_file))
    with storage.engine.begin() as c:
        report = erase_subject(c, storage.objects, vault, person, actor="user:1", now=NOW)
    assert report.object_versions == {"current": 1, "older_versions": 3, "delete_markers": 1}
    assert report.objects_purged == 5
    assert report.to_json()["object_versions"]["delete_markers"] == 1
