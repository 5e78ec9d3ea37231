"""Expired screenshot objects go with every version and delete marker; others stay."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, insert

from services.retention.purge import run_purge
from storage.db.schema import people, teams
from storage.objects import ObjectStore
from storage.objects.keys import screenshot_key
from storage.policies import DEFAULT_POLICIES

DAYS = DEFAULT_POLICIES["retention_days"]
AS_OF = date(2026, 4, 1)  # screenshots before 2026-03-02 expire
ALICE, BOB = "s_00000000000000a1", "s_00000000000000b2"


def _at(y: int, m: int, d: int) -> int:
    return int(datetime(y, m, d, 10, tzinfo=UTC).timestamp())


def _people(engine: Engine) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as c:
        c.execute(insert(teams).values(id=1, name="t", department="d"))
        for i, (pseudonym, hold) in enumerate(((ALICE, None), (BOB, "litigation")), 1):
            c.execute(
                insert(people).values(
                    id=i,
                    pseudonym=pseudonym,
                    display_name=f"P{i}",
                    team_id=1,
                    timezone="UTC",
                    created_at=now,
                    legal_hold_reason=hold,
                )
            )


def test_purge_removes_expired_versions_only(engine: Engine, object_store: ObjectStore) -> None:
    _people(engine)
    old, deleted = (screenshot_key(ALICE, _at(2026, 2, d), 1) for d in (1, 2))
    fresh = screenshot_key(ALICE, _at(2026, 3, 20), 1)
    held = screenshot_key(BOB, _at(2026, 2, 1), 2)
    for key in (old, deleted, fresh, held):
        object_store.put(key, b"v1")
        object_store.put(key, b"v2")
    object_store.delete(deleted)  # a delete marker (S3) over two hidden versions
    erased = screenshot_key("s_00000000000000ee", _at(2026, 3, 30), 3)
    object_store.put(erased, b"left behind")

    expired = [v for v in object_store.list_versions("subjects/") if v.key in (old, deleted)]
    dry = run_purge(engine, object_store, DAYS, AS_OF, dry_run=True)
    real = run_purge(engine, object_store, DAYS, AS_OF)
    assert dry.counts == real.counts
    assert real.counts["erased_people"]["object versions"] == 1
    assert real.counts["screenshots"]["object versions"] == len(expired)  # every version

    left = {v.key for v in object_store.list_versions("subjects/")}
    assert left == {fresh, held}
    assert run_purge(engine, object_store, DAYS, AS_OF).counts["screenshots"] == {
        "object versions": 0,
        "screenshots": 0,
    }
