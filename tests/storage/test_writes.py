"""Storage's one write path: each caller's conflict rule, quarantine, erased people, devices.

Runs on SQLite and a real PostgreSQL (the ``engine`` fixture is parametrised by backend).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, func, select

from activity.records import PendingMinute, PendingSpan
from storage.db import schema
from storage.errors import DatabaseError, UnknownSubject
from storage.writes import (
    OnConflict,
    add_device,
    device_seen,
    find_device,
    record_minutes,
    record_spans,
    subject_state,
    write_minutes,
    write_spans,
)
from tests.analytics.builders import add_person, add_team

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
T0 = 1_777_881_600  # 2026-05-04 08:00 UTC, on a slot boundary


@pytest.fixture
def subject(engine: Engine) -> tuple[int, int]:
    """(person id, device id) of one person with one device."""
    with engine.begin() as conn:
        return add_person(conn, add_team(conn, "Platform"))


def _minute(person: int, device: int, active: int, keys: int) -> PendingMinute:
    return PendingMinute(person, device, T0, active, keys, 0, 0, 0, rev=1)


def _stored_minute(conn: Connection) -> tuple[int, int]:
    row = conn.execute(select(schema.activity_minutes)).one()
    return int(row.active_seconds), int(row.key_presses)


def _slot_active(conn: Connection) -> int:
    return int(conn.execute(select(func.sum(schema.activity_10min.c.active_seconds))).scalar())


def test_replace_keeps_the_later_state_and_refreshes_rollups(
    engine: Engine, subject: tuple[int, int]
) -> None:
    person, device = subject
    for active, keys in ((20, 5), (45, 9)):
        with engine.begin() as conn:
            confirmed = record_minutes(
                conn, [_minute(person, device, active, keys)], OnConflict.REPLACE, "collector"
            )
        assert confirmed == 1
    with engine.connect() as conn:
        assert _stored_minute(conn) == (45, 9)
        assert _slot_active(conn) == 45  # the rollup follows the replacement, not the sum


def test_replace_of_a_shorter_span_refreshes_the_time_it_no_longer_covers(
    engine: Engine, subject: tuple[int, int]
) -> None:
    person, device = subject
    for end in (T0 + 600, T0 + 120):
        span = PendingSpan(person, device, T0, end, "code", None, None, rev=1)
        with engine.begin() as conn:
            record_spans(conn, [span], OnConflict.REPLACE, "collector")
    with engine.connect() as conn:
        assert conn.execute(select(schema.app_spans.c.end_ts)).scalar_one() == T0 + 120
        seconds = conn.execute(select(func.sum(schema.app_daily.c.seconds))).scalar()
        assert seconds == 120


def test_ignore_keeps_the_first_state_and_writes_nothing_again(
    engine: Engine, subject: tuple[int, int]
) -> None:
    person, device = subject
    written = []
    for active, keys in ((20, 5), (45, 9)):
        with engine.begin() as conn:
            written.append(
                write_minutes(
                    conn, [(person, device, T0, active, keys, 0, 0, 0)], OnConflict.IGNORE
                )
            )
    assert written == [1, 0]
    span = (person, device, T0, T0 + 60, "code", None, None)
    with engine.begin() as conn:
        assert write_spans(conn, [span], OnConflict.IGNORE) == 1
        longer = (person, device, T0, T0 + 600, "mail", None, None)
        assert write_spans(conn, [longer], OnConflict.IGNORE) == 0
    with engine.connect() as conn:
        assert _stored_minute(conn) == (20, 5)
        assert conn.execute(select(schema.app_spans.c.app)).scalar_one() == "code"


def test_fail_refuses_a_duplicate_key_and_writes_nothing(
    engine: Engine, subject: tuple[int, int]
) -> None:
    person, device = subject
    row = (person, device, T0, 20, 5, 0, 0, 0)
    with engine.begin() as conn:
        assert write_minutes(conn, [row], OnConflict.FAIL) == 1
    with pytest.raises(DatabaseError), engine.begin() as conn:
        write_minutes(conn, [(person, device, T0 + 60, 1, 1, 0, 0, 0), row], OnConflict.FAIL)
    with engine.connect() as conn:
        assert _stored_minute(conn) == (20, 5)  # the failed batch rolled back whole


def test_a_batch_failing_its_contract_is_quarantined_and_confirmed(
    engine: Engine, subject: tuple[int, int]
) -> None:
    person, device = subject
    bad = _minute(person, device, 61, 5)  # more active seconds than a minute has
    with engine.begin() as conn:
        assert record_minutes(conn, [bad], OnConflict.REPLACE, "collector") == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.activity_minutes)).scalar() == 0
        held = conn.execute(select(schema.quarantined_batches.c.dataset)).scalars().all()
    assert held == ["activity_minutes"]


def test_rows_of_an_erased_person_are_confirmed_and_dropped(engine: Engine) -> None:
    gone = _minute(999_999, 1, 20, 5)
    with engine.begin() as conn:
        assert record_minutes(conn, [gone], OnConflict.REPLACE, "collector") == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.activity_minutes)).scalar() == 0


def test_devices_are_added_found_and_seen_in_one_place(
    engine: Engine, subject: tuple[int, int]
) -> None:
    person, _device = subject
    with engine.begin() as conn:
        added = add_device(conn, person, "host-a", "activitywatch", NOW, token_hash="ab" * 32)
        assert find_device(conn, person, "host-a", "activitywatch") == added
        assert find_device(conn, person, "host-a", "linux") is None
        device_seen(conn, added, NOW)
        row = conn.execute(select(schema.devices).where(schema.devices.c.id == added)).one()
    assert row.last_seen_at == NOW and row.token_hash == "ab" * 32


def test_subject_state_refuses_unknown_people_and_people_without_a_key(
    engine: Engine, subject: tuple[int, int]
) -> None:
    with engine.connect() as conn:
        pseudonym = conn.execute(select(schema.people.c.pseudonym)).scalar_one()
        with pytest.raises(UnknownSubject, match="no person with pseudonym s_nobody"):
            subject_state(conn, "s_nobody")
        with pytest.raises(UnknownSubject, match="no live key"):
            subject_state(conn, pseudonym)
