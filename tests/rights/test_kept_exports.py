"""Exports keep their download for the request's life (issue 17), sealed, and no longer.

The DPO produces an access export; its subject and the DPO read back the same bytes from
another session (a fresh storage handle); the object is sealed (no clear byte of the
archive at rest) under the person's pseudonym. The retention purge and audit keep it while
its request is completed and young enough, remove it past its life, when its request is
gone or was never answered; an erasure takes it with the person. Every database, every
object backend (versioned S3 too).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, update

from services.retention.audit import run_audit
from services.retention.purge import run_purge
from services.rights import Actor, InvalidTransition, load_actor
from services.rights.desk import act, download, file_for, kept_export
from storage.config import load_settings
from storage.db.schema import rights_requests
from storage.facade import Storage
from storage.objects import ObjectStore
from storage.policies import DEFAULT_POLICIES
from tests.rights.conftest import Org
from tests.storage.keys import install_master_key

NOW = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
DAYS = DEFAULT_POLICIES["retention_days"]  # screenshots: 30 days, the shortest


@pytest.fixture
def desk(engine: Engine, org: Org, object_store: ObjectStore, tmp_path: Path) -> Storage:
    """Storage over ``engine`` and ``object_store``, with alice, bob and the DPO dora."""
    key = tmp_path / "keys" / "master.key"
    install_master_key(engine, key)
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_MASTER_KEY_FILE": str(key)}
    return Storage(load_settings(env), engine, object_store)


def actor(engine: Engine, username: str) -> Actor:
    with engine.connect() as connection:
        return load_actor(connection, username)


def answered(storage: Storage, person_id: int, username: str) -> tuple[int, bytes]:
    """An access request of ``username`` answered by the DPO: its id and the archive."""
    engine, dpo = storage.engine, actor(storage.engine, "dora")
    request = file_for(engine, actor(engine, username), person_id, "access", NOW)
    act(storage, dpo, request.id, "approve", NOW)
    outcome = act(storage, dpo, request.id, "export", NOW)
    assert outcome.request.state == "completed" and outcome.archive
    return request.id, outcome.archive


def export_objects(storage: Storage) -> list[str]:
    return [v.key for v in storage.objects.list_versions("subjects/") if "/exports/" in v.key]


def audit_ok(storage: Storage, as_of: date) -> tuple[bool, int]:
    report = run_audit(storage.engine, storage.objects, DAYS, as_of, [])
    (check,) = [c for c in report.checks if c.name.startswith("no expired or deleted screen")]
    assert check.evidence["unparsable_keys"] == 0  # a kept export is no leftover
    return check.ok, check.evidence["expired_export_versions"]


def test_the_answer_is_kept_sealed_for_subject_and_dpo(desk: Storage, org: Org) -> None:
    request_id, archive = answered(desk, org.alice, "alice")
    [key] = export_objects(desk)
    assert key.startswith("subjects/s_") and f"/exports/request-{request_id}/" in key
    assert archive[:40] not in desk.objects.get(key)  # sealed, not the ZIP itself
    again = Storage(desk.settings, desk.engine, desk.objects)  # another session's handle
    alice, dpo = actor(desk.engine, "alice"), actor(desk.engine, "dora")
    assert kept_export(again, alice, request_id) == archive
    assert kept_export(again, dpo, request_id) == archive
    assert download(again, alice, request_id, NOW + timedelta(days=3)) == archive
    with pytest.raises(Exception, match="only see and act on your own"):
        kept_export(again, actor(desk.engine, "bob"), request_id)
    assert export_objects(desk) == [key]  # reading makes no copy
    assert audit_ok(desk, NOW.date()) == (True, 0)


def test_the_purge_keeps_an_export_for_its_life_only(desk: Storage, org: Org) -> None:
    request_id, _ = answered(desk, org.alice, "alice")
    kept_for = min(DAYS.values())
    last_day = NOW.date() + timedelta(days=kept_for)
    run_purge(desk.engine, desk.objects, DAYS, last_day)
    assert len(export_objects(desk)) == 1 and audit_ok(desk, last_day) == (True, 0)
    after = last_day + timedelta(days=1)
    assert audit_ok(desk, after) == (False, 1)
    report = run_purge(desk.engine, desk.objects, DAYS, after)
    assert report.counts["exports"] == {"object versions": 1}
    assert export_objects(desk) == [] and audit_ok(desk, after) == (True, 0)
    # Kept no longer: its subject may still have a new one made (and kept in turn).
    alice = actor(desk.engine, "alice")
    assert download(desk, alice, request_id, NOW + timedelta(days=40))
    assert len(export_objects(desk)) == 1


def test_an_export_goes_with_its_request_or_its_person(desk: Storage, org: Org) -> None:
    gone, _ = answered(desk, org.alice, "alice")
    reopened, _ = answered(desk, org.bob, "bob")
    with desk.engine.begin() as connection:  # the request row purged, another one reopened
        connection.execute(delete(rights_requests).where(rights_requests.c.id == gone))
        connection.execute(
            update(rights_requests).where(rights_requests.c.id == reopened).values(state="closed")
        )
    assert audit_ok(desk, NOW.date()) == (False, 2)
    run_purge(desk.engine, desk.objects, DAYS, NOW.date())
    assert export_objects(desk) == [] and audit_ok(desk, NOW.date()) == (True, 0)

    answered(desk, org.alice, "alice")
    dpo = actor(desk.engine, "dora")
    erasure = file_for(desk.engine, actor(desk.engine, "alice"), org.alice, "erasure", NOW)
    act(desk, dpo, erasure.id, "approve", NOW)
    act(desk, dpo, erasure.id, "erase", NOW)
    assert export_objects(desk) == [] and audit_ok(desk, NOW.date()) == (True, 0)


def test_no_kept_export_before_the_answer(desk: Storage, org: Org) -> None:
    engine = desk.engine
    request = file_for(engine, actor(engine, "alice"), org.alice, "access", NOW)
    assert kept_export(desk, actor(engine, "dora"), request.id) is None
    with pytest.raises(InvalidTransition, match="not ready yet"):
        download(desk, actor(engine, "alice"), request.id, NOW)
    assert export_objects(desk) == []
