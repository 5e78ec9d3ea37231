"""The rights desk the pages call, and the DPO's audit-log browser, on every database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from services.rights import AccessDenied, Actor, InvalidTransition, load_actor
from services.rights.auditlog import audit_actions, audit_entries, verify_chain
from services.rights.desk import act, download, file_for, filter_queue, requests_of
from services.rights.export_data import Holdings
from services.rights.export_formats import activitywatch, to_csv, to_json
from storage.config import load_settings
from storage.db.schema import audit_log, people
from storage.facade import Storage
from storage.objects import open_object_store
from tests.rights.conftest import Org

NOW = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)


@pytest.fixture
def desk(engine: Engine, org: Org, tmp_path: Path) -> tuple[Storage, int, int]:
    """A storage handle over ``engine``, and the people alice and bob (with a DPO)."""
    settings = load_settings({"TRAQ_DATA_DIR": str(tmp_path)})
    objects = open_object_store(f"file://{tmp_path}/objects")
    return Storage(settings, engine, objects), org.alice, org.bob


def actor(engine: Engine, username: str) -> Actor:
    with engine.connect() as connection:
        return load_actor(connection, username)


def restricted(engine: Engine, person_id: int) -> bool:
    with engine.connect() as connection:
        query = select(people.c.restricted).where(people.c.id == person_id)
        return bool(connection.execute(query).scalar_one())


def test_a_restriction_request_is_carried_out_and_lifted(desk: tuple[Storage, int, int]) -> None:
    storage, alice, _ = desk
    engine, dpo = storage.engine, actor(storage.engine, "dora")
    request = file_for(engine, actor(engine, "alice"), alice, "restriction", NOW)
    with pytest.raises(InvalidTransition, match="needs an approved request"):
        act(storage, dpo, request.id, "restrict", NOW)
    act(storage, dpo, request.id, "approve", NOW)
    done = act(storage, dpo, request.id, "restrict", NOW).request
    assert done.state == "completed" and restricted(engine, alice)
    act(storage, dpo, request.id, "lift", NOW)
    assert not restricted(engine, alice)
    with pytest.raises(AccessDenied):
        act(storage, actor(engine, "alice"), request.id, "lift", NOW)


def test_a_failed_action_changes_nothing(desk: tuple[Storage, int, int]) -> None:
    storage, alice, _ = desk
    engine, dpo = storage.engine, actor(storage.engine, "dora")
    request = file_for(engine, actor(engine, "alice"), alice, "access", NOW)
    with pytest.raises(InvalidTransition, match="1 to 2 months"):
        act(storage, dpo, request.id, "extend", NOW, reason="busy", months=3)
    with pytest.raises(InvalidTransition, match="needs a reason"):
        act(storage, dpo, request.id, "reject", NOW, reason="  ")
    [again] = requests_of(engine, actor(engine, "alice"), NOW)
    assert again.state == "received" and again.extended_due_at is None
    with pytest.raises(InvalidTransition, match="not ready yet"):
        download(storage, actor(engine, "alice"), request.id, NOW)
    with pytest.raises(AccessDenied):
        download(storage, actor(engine, "bob"), request.id, NOW)


def test_corrections_only_on_rectification(desk: tuple[Storage, int, int]) -> None:
    storage, alice, _ = desk
    alice_actor = actor(storage.engine, "alice")
    with pytest.raises(InvalidTransition, match="rectification requests only"):
        file_for(storage.engine, alice_actor, alice, "access", NOW, profile={"email": "a@b"})
    fixed = file_for(
        storage.engine, alice_actor, alice, "rectification", NOW, profile={"email": "a@b.org"}
    )
    assert fixed.details["profile"] == {"email": "a@b.org"}


def test_the_queue_filters_by_state_kind_and_standing(desk: tuple[Storage, int, int]) -> None:
    storage, alice, bob = desk
    engine = storage.engine
    late = file_for(engine, actor(engine, "alice"), alice, "access", NOW - timedelta(days=40))
    soon = file_for(engine, actor(engine, "bob"), bob, "erasure", NOW - timedelta(days=27))
    fresh = file_for(engine, actor(engine, "bob"), bob, "portability", NOW)
    act(storage, actor(engine, "dora"), fresh.id, "reject", NOW, reason="duplicate")
    everything = requests_of(engine, actor(engine, "dora"), NOW)
    ids = {
        standing: [r.id for r in filter_queue(everything, NOW, standing=standing)]
        for standing in ("all", "open", "overdue", "due soon")
    }
    assert ids == {
        "all": [late.id, soon.id, fresh.id],
        "open": [late.id, soon.id],
        "overdue": [late.id],
        "due soon": [soon.id],
    }
    assert [r.id for r in filter_queue(everything, NOW, kinds=["erasure"])] == [soon.id]
    assert [r.id for r in filter_queue(everything, NOW, states=["rejected"])] == [fresh.id]
    with pytest.raises(InvalidTransition):
        filter_queue(everything, NOW, standing="later")


def test_the_audit_log_reads_newest_first_for_the_dpo_only(
    desk: tuple[Storage, int, int],
) -> None:
    storage, alice, _ = desk
    engine = storage.engine
    request = file_for(engine, actor(engine, "alice"), alice, "access", NOW)
    act(storage, actor(engine, "dora"), request.id, "approve", NOW)
    dpo = actor(engine, "dora")
    entries, total = audit_entries(engine, dpo)
    assert total == len(entries) >= 2
    assert [e.seq for e in entries] == sorted((e.seq for e in entries), reverse=True)
    assert {"request.filed", "request.approved"} <= set(audit_actions(engine, dpo))
    approved, count = audit_entries(engine, dpo, actions=["request.approved"])
    assert count == 1 and approved[0].details["request"] == request.id
    older, _ = audit_entries(engine, dpo, before=entries[0].seq, limit=1)
    assert [e.seq for e in older] == [entries[1].seq]
    assert verify_chain(engine, dpo).ok
    with engine.begin() as connection:
        connection.execute(update(audit_log).where(audit_log.c.seq == 1).values(action="x"))
    assert not verify_chain(engine, dpo).ok
    for call in (audit_entries, audit_actions, verify_chain):
        with pytest.raises(AccessDenied):
            call(engine, actor(engine, "alice"))


def test_activitywatch_merges_runs_of_minutes_into_afk_events() -> None:
    minute = int(NOW.timestamp()) // 60 * 60
    rows = [
        {"device_id": 1, "minute": minute + 60 * i, "active_seconds": active}
        for i, active in enumerate([30, 12, 0, 0, 5])
    ] + [{"device_id": 1, "minute": minute + 60 * 9, "active_seconds": 40}]
    holdings = Holdings(1, "p", datasets={"activity_minutes": rows}, device_names={1: "laptop"})
    [bucket] = json.loads(activitywatch(holdings, NOW))["buckets"].values()
    assert bucket["type"] == "afkstatus" and bucket["hostname"] == "laptop"
    assert [(e["data"]["status"], e["duration"]) for e in bucket["events"]] == [
        ("not-afk", 120), ("afk", 120), ("not-afk", 60), ("not-afk", 60),
    ]  # fmt: skip


def test_json_and_csv_files_round_trip() -> None:
    rows: list[dict[str, Any]] = [
        {"a": 1, "b": 'é,"x"', "c": {"k": [1]}},
        {"a": 2, "b": None, "c": {}},
    ]
    assert json.loads(to_json(rows)) == rows and json.loads(to_json([])) == []
    lines = to_csv(rows).decode().splitlines()
    assert lines[0] == "a,b,c" and lines[1] == '1,"é,""x""","{""k"": [1]}"'
