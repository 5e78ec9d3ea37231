"""Idle review: a discard takes exactly the stretch's seconds out of the rollups, a keep
restores them, only the subject decides; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select

from analytics import Period
from services.idle_review import DISCARD, KEEP, my_idle_stretches, review_idle_stretch
from services.selfview import my_slots, subject
from storage.db import schema
from storage.db.erase import delete_person_rows
from storage.rollups import IDLE_APP, rebuild_person, refresh_rollups
from tests.analytics.builders import (
    add_device,
    add_minutes,
    add_person,
    add_spans,
    add_team,
    run_of_minutes,
    utc,
)

NOW = datetime(2026, 4, 1, tzinfo=UTC)
NINE = utc("2026-03-10T09:00")
IDLE = (NINE + 630, NINE + 1515)  # 09:10:30 to 09:25:15 UTC: 885 s, not minute-aligned
DAY = Period(date(2026, 3, 10), date(2026, 3, 10))


def _minutes_idle_within(idle: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """An hour of minutes from 09:00; those wholly inside ``idle`` have no activity."""
    return [
        (m, 0, 0, 0) if idle[0] <= m and m + 60 <= idle[1] else (m, a, k, c)
        for m, a, k, c in run_of_minutes(NINE, 60)
    ]


def _organisation(engine: Engine) -> tuple[int, int]:
    """Two people in Paris with an hour of minutes each; the first idle in the middle."""
    with engine.begin() as connection:
        team = add_team(connection, "A")
        person, device = add_person(connection, team)
        other, other_device = add_person(connection, team)
        add_minutes(connection, person, device, _minutes_idle_within(IDLE))
        add_minutes(connection, other, other_device, run_of_minutes(NINE, 60))
        for who, dev in ((person, device), (other, other_device)):
            add_spans(connection, who, dev, [(NINE, NINE + 3600, "editor", None)])
        add_spans(connection, person, device, [(*IDLE, IDLE_APP, None)])
        for who in (person, other):
            refresh_rollups(connection, who, NINE, NINE + 3600, "Europe/Paris")
    return person, other


def _tracked(engine: Engine, person: int) -> tuple[int, int]:
    """The person's tracked seconds from the daily and the 10-minute rollups."""
    with engine.connect() as connection:
        daily = connection.execute(
            select(func.sum(schema.activity_daily.c.tracked_seconds)).where(
                schema.activity_daily.c.person_id == person
            )
        ).scalar_one()
    slots = my_slots(engine, subject(engine, person), DAY)["tracked_seconds"].sum()
    return int(daily), int(slots)


def test_discard_removes_exactly_the_stretch_and_keep_restores_it(engine: Engine) -> None:
    person, _ = _organisation(engine)
    me = subject(engine, person)
    assert _tracked(engine, person) == (3600, 3600)
    [stretch] = my_idle_stretches(engine, me, DAY)
    assert (stretch.start_ts, stretch.seconds, stretch.decision) == (IDLE[0], 885, None)

    review_idle_stretch(engine, me, stretch.start_ts, DISCARD, NOW)
    assert _tracked(engine, person) == (3600 - 885, 3600 - 885)
    assert my_idle_stretches(engine, me, DAY)[0].decision == DISCARD
    slots = dict(my_slots(engine, me, DAY).select("start", "tracked_seconds").iter_rows())
    assert sorted(slots.values()) == [30, 285, 600, 600, 600, 600]  # 09:10, 09:20 slots cut

    review_idle_stretch(engine, me, stretch.start_ts, KEEP, NOW)  # replaces the discard
    assert _tracked(engine, person) == (3600, 3600)
    with engine.connect() as connection:
        rows = connection.execute(select(schema.idle_reviews.c.decision)).scalars().all()
    assert rows == [KEEP]


def test_a_full_rebuild_honours_discards(engine: Engine) -> None:
    person, _ = _organisation(engine)
    me = subject(engine, person)
    review_idle_stretch(engine, me, IDLE[0], DISCARD, NOW)
    before = _tracked(engine, person)
    with engine.begin() as connection:
        rebuild_person(connection, person, "Europe/Paris")
    assert _tracked(engine, person) == before == (2715, 2715)


def test_overlapping_discards_from_two_devices_count_once(engine: Engine) -> None:
    person, _ = _organisation(engine)
    with engine.begin() as connection:
        second = add_device(connection, person)
        add_spans(connection, person, second, [(NINE + 1200, NINE + 1800, IDLE_APP, None)])
    me = subject(engine, person)
    for start in (IDLE[0], NINE + 1200):
        review_idle_stretch(engine, me, start, DISCARD, NOW)
    # 09:10:30 to 09:30 is discarded, but device 1 had input from 09:25:15: those minutes
    # keep their 30 active seconds each (activity on any device is never idle time).
    assert _tracked(engine, person)[0] == 3600 - (1800 - 630) + 5 * 30


def test_someone_elses_stretch_cannot_be_reviewed(engine: Engine) -> None:
    person, other = _organisation(engine)
    intruder = subject(engine, other)
    with pytest.raises(PermissionError):
        review_idle_stretch(engine, intruder, IDLE[0], DISCARD, NOW)
    with pytest.raises(ValueError, match="keep, discard"):
        review_idle_stretch(engine, subject(engine, person), IDLE[0], "forget", NOW)
    with engine.connect() as connection:
        assert connection.execute(select(schema.idle_reviews)).first() is None
    assert _tracked(engine, person) == (3600, 3600)


def test_erasure_removes_the_persons_reviews(engine: Engine) -> None:
    person, other = _organisation(engine)
    review_idle_stretch(engine, subject(engine, person), IDLE[0], DISCARD, NOW)
    with engine.begin() as connection:
        delete_person_rows(connection, person)
    with engine.connect() as connection:
        assert connection.execute(select(schema.idle_reviews)).first() is None
    assert _tracked(engine, other) == (3600, 3600)
