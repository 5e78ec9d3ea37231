"""Rectification: profile fields and wrongly tracked time, counted differently afterwards."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from services.rights import AccessDenied, InvalidTransition, load_actor, transition
from services.rights.rectify import apply_rectification, file_rectification
from storage import audit
from storage.accounts import create_user
from storage.config import Settings
from storage.db import schema
from storage.facade import Storage
from storage.objects import LocalObjectStore
from storage.rollups import refresh_rollups
from tests.analytics.builders import add_minutes, add_person, add_team, run_of_minutes, utc

NOW = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)
DAY = utc("2026-03-30T08:00")


def _tracked(engine: Engine, person: int) -> int:
    with engine.connect() as c:
        return int(
            c.execute(
                select(func.coalesce(func.sum(schema.activity_daily.c.tracked_seconds), 0)).where(
                    schema.activity_daily.c.person_id == person
                )
            ).scalar_one()
        )


@pytest.fixture
def storage(engine: Engine, tmp_path: Path) -> Storage:
    objects = tmp_path / "objects"
    settings = Settings(tmp_path, str(engine.url), objects.as_uri(), tmp_path / "master.key")
    return Storage(settings, engine, LocalObjectStore(objects))


def test_rectification_changes_profile_and_what_analytics_counts(
    engine: Engine, storage: Storage
) -> None:
    with engine.begin() as c:
        team = add_team(c, "Core")
        alice, device = add_person(c, team, "UTC")
        bob, bob_device = add_person(c, team, "UTC")
        add_minutes(c, alice, device, run_of_minutes(DAY, 120))
        add_minutes(c, bob, bob_device, run_of_minutes(DAY, 120))
        for person in (alice, bob):
            refresh_rollups(c, person, DAY, DAY + 7200, "UTC")
        create_user(c, "alice", "employee", None, NOW, person_id=alice)
        create_user(c, "dora", "dpo", None, NOW)
    before = _tracked(engine, alice)
    with engine.begin() as c:
        me, dpo = load_actor(c, "alice"), load_actor(c, "dora")
        request = file_rectification(
            c, me, alice, NOW, profile={"display_name": "Alice Right"},
            untracked=[(DAY + 3600, DAY + 7200)],
        )  # fmt: skip
        with pytest.raises(AccessDenied):
            apply_rectification(storage, c, me, request.id, NOW)
        with pytest.raises(InvalidTransition, match="approval"):
            apply_rectification(storage, c, dpo, request.id, NOW)
        transition(c, dpo, request.id, "approve", NOW)
        done = apply_rectification(storage, c, dpo, request.id, NOW)
        name = c.execute(select(schema.people.c.display_name).where(schema.people.c.id == alice))
        assert name.scalar_one() == "Alice Right"
    assert done.state == "completed" and done.details["removed"]["minutes"] == 60
    assert done.details["original"] == {"display_name": "Person 0"}
    assert _tracked(engine, alice) == before // 2
    assert _tracked(engine, bob) == before
    assert audit.verify(engine).ok


def test_unknown_fields_and_bad_ranges_are_refused(engine: Engine) -> None:
    with engine.begin() as c:
        alice, _ = add_person(c, add_team(c, "Core"))
        create_user(c, "alice", "employee", None, NOW, person_id=alice)
        me = load_actor(c, "alice")
        with pytest.raises(InvalidTransition, match="cannot rectify"):
            file_rectification(c, me, alice, NOW, profile={"legal_hold_reason": "x"})
        with pytest.raises(InvalidTransition, match="START < END"):
            file_rectification(c, me, alice, NOW, untracked=[(DAY, DAY)])
