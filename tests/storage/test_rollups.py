"""Rollups kept at ingest equal a full rebuild and a hand sum, on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, delete, select

from storage.db import schema
from storage.db.engine import open_engine
from storage.rollups import local_days, rebuild_all_rollups, refresh_rollups, utc_offsets
from tests.analytics.builders import (
    add_device,
    add_minutes,
    add_person,
    add_spans,
    add_team,
    run_of_minutes,
    utc,
)
from traq.commands import rollups_cmd
from traq.main import main as traq_main

Rows = dict[tuple[Any, ...], tuple[int, ...]]


def _slots(connection: Connection) -> Rows:
    table = schema.activity_10min
    return {
        (r.person_id, r.slot_start): (
            r.tracked_seconds,
            r.active_seconds,
            r.key_presses,
            r.mouse_clicks,
        )
        for r in connection.execute(select(table))
    }


def _daily(connection: Connection) -> Rows:
    table = schema.activity_daily
    return {
        (r.person_id, r.day): (
            r.tracked_seconds,
            r.active_seconds,
            r.key_presses,
            r.mouse_clicks,
            r.first_ts,
            r.last_ts,
        )
        for r in connection.execute(select(table))
    }


def _apps(connection: Connection) -> Rows:
    table = schema.app_daily
    return {(r.person_id, r.day, r.app): (r.seconds,) for r in connection.execute(select(table))}


def _snapshot(engine: Engine) -> tuple[Rows, Rows, Rows]:
    with engine.connect() as connection:
        return _slots(connection), _daily(connection), _apps(connection)


def _hand_sum(
    minutes: dict[int, list[tuple[int, int, int, int]]],
    spans: dict[int, list[tuple[int, int, str, str | None]]],
    zones: dict[int, str],
) -> tuple[Rows, Rows, Rows]:
    """The rollups by their definition, one minute and one second at a time."""
    slots: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    daily: dict[tuple[Any, ...], list[int]] = {}
    for person, rows in minutes.items():
        per_minute: dict[int, list[int]] = {}
        for minute, active, keys, clicks in rows:
            seen = per_minute.setdefault(minute, [0, 0, 0])
            per_minute[minute] = [max(seen[0], active), seen[1] + keys, seen[2] + clicks]
        for minute, (active, keys, clicks) in per_minute.items():
            slot = slots[(person, minute - minute % 600)]
            slots[(person, minute - minute % 600)] = [
                slot[0] + 60,
                slot[1] + active,
                slot[2] + keys,
                slot[3] + clicks,
            ]
            day = datetime.fromtimestamp(minute, ZoneInfo(zones[person])).date()
            old = daily.get((person, day), [0, 0, 0, 0, minute, minute])
            daily[(person, day)] = [
                old[0] + 60,
                old[1] + active,
                old[2] + keys,
                old[3] + clicks,
                min(old[4], minute),
                max(old[5], minute),
            ]
    apps: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0])
    for person, rows in spans.items():
        for start, end, app, site in rows:
            for second in range(start, end):
                day = datetime.fromtimestamp(second, ZoneInfo(zones[person])).date()
                apps[(person, day, site or app)][0] += 1
    freeze = lambda rows: {k: tuple(v) for k, v in rows.items()}  # noqa: E731
    return freeze(slots), freeze(daily), freeze(apps)


def test_paris_days_follow_the_spring_forward_change(engine: Engine) -> None:
    with engine.begin() as connection:
        person, device = add_person(connection, add_team(connection, "A"), "Europe/Paris")
        batch = (
            run_of_minutes(utc("2026-03-28T22:55"), 10)  # 23:55 to 00:05, CET
            + run_of_minutes(utc("2026-03-29T00:55"), 10)  # 01:55 CET to 03:05 CEST
            + run_of_minutes(utc("2026-03-29T21:55"), 10)  # 23:55 to 00:05, CEST
        )
        add_minutes(connection, person, device, batch)
        refresh_rollups(connection, person, batch[0][0], batch[-1][0] + 60, "Europe/Paris")
        daily = _daily(connection)
    assert {day: row[0] for (_, day), row in daily.items()} == {
        date(2026, 3, 28): 300,
        date(2026, 3, 29): 1200,
        date(2026, 3, 30): 300,
    }
    assert daily[(person, date(2026, 3, 29))][4:] == (
        utc("2026-03-28T23:00"),
        utc("2026-03-29T21:59"),
    )


def test_new_york_days_follow_the_spring_forward_change(engine: Engine) -> None:
    with engine.begin() as connection:
        person, device = add_person(connection, add_team(connection, "A"), "America/New_York")
        batch = (
            run_of_minutes(utc("2026-03-08T04:58"), 4)  # 23:58 to 00:02, EST
            + run_of_minutes(utc("2026-03-08T06:58"), 4)  # 01:58 EST to 03:02 EDT
            + run_of_minutes(utc("2026-03-09T03:58"), 4)  # 23:58 to 00:02, EDT
        )
        add_minutes(connection, person, device, batch)
        refresh_rollups(connection, person, batch[0][0], batch[-1][0] + 60, "America/New_York")
        daily = _daily(connection)
    assert {day: row[0] for (_, day), row in daily.items()} == {
        date(2026, 3, 7): 120,
        date(2026, 3, 8): 480,
        date(2026, 3, 9): 120,
    }


def test_a_span_across_local_midnight_is_split_and_counted_under_its_site(engine: Engine) -> None:
    with engine.begin() as connection:
        person, device = add_person(connection, add_team(connection, "A"), "Europe/Paris")
        spans = [
            (utc("2026-03-29T21:30"), utc("2026-03-29T22:30"), "Firefox", "github.com"),
            (utc("2026-03-29T22:30"), utc("2026-03-29T22:40"), "Slack", None),
        ]
        add_spans(connection, person, device, spans)
        refresh_rollups(connection, person, spans[0][0], spans[-1][1], "Europe/Paris")
        apps = _apps(connection)
    assert apps == {
        (person, date(2026, 3, 29), "github.com"): (1800,),
        (person, date(2026, 3, 30), "github.com"): (1800,),
        (person, date(2026, 3, 30), "Slack"): (600,),
    }


def test_a_minute_on_two_devices_is_tracked_once(engine: Engine) -> None:
    minute = utc("2026-03-10T09:00")
    with engine.begin() as connection:
        person, laptop = add_person(connection, add_team(connection, "A"), "UTC")
        desktop = add_device(connection, person)
        add_minutes(connection, person, laptop, [(minute, 20, 5, 1)])
        add_minutes(connection, person, desktop, [(minute, 45, 7, 2)])
        refresh_rollups(connection, person, minute, minute + 60, "UTC")
        assert _slots(connection) == {(person, minute): (60, 45, 12, 3)}


def test_incremental_refresh_equals_rebuild_equals_hand_sum(engine: Engine) -> None:
    zones = {}
    minutes: dict[int, list[tuple[int, int, int, int]]] = {}
    spans: dict[int, list[tuple[int, int, str, str | None]]] = {}
    with engine.begin() as connection:
        team = add_team(connection, "A")
        for tz, start in (
            ("Europe/Paris", "2026-03-28T21:00"),
            ("Asia/Kolkata", "2026-03-28T17:00"),
        ):
            person, device = add_person(connection, team, tz)
            zones[person] = tz
            first = run_of_minutes(utc(start), 50, active=40)
            second = run_of_minutes(utc(start) + 50 * 60, 200, active=10)
            minutes[person] = first + second
            spans[person] = [
                (utc(start), utc(start) + 3000, "Code", None),
                (utc(start) + 3000, utc(start) + 15000, "Chrome", "docs.google.com"),
            ]
            for batch, span in ((first, spans[person][:1]), (second, spans[person][1:])):
                add_minutes(connection, person, device, batch)
                add_spans(connection, person, device, span)
                refresh_rollups(connection, person, batch[0][0], span[-1][1], tz)
    incremental = _snapshot(engine)
    counts = rebuild_all_rollups(engine)
    assert _snapshot(engine) == incremental == _hand_sum(minutes, spans, zones)
    assert counts["people"] == 2
    assert counts["activity_daily"] == len(incremental[1])


def test_rebuild_reports_progress_and_drops_stale_rows(engine: Engine) -> None:
    seen: list[tuple[int, int]] = []
    with engine.begin() as connection:
        person, device = add_person(connection, add_team(connection, "A"), "UTC")
        add_minutes(connection, person, device, run_of_minutes(utc("2026-03-10T09:00"), 3))
        connection.execute(
            schema.activity_10min.insert().values(
                person_id=person,
                slot_start=utc("2026-01-01T00:00"),
                tracked_seconds=60,
                active_seconds=0,
                key_presses=0,
                mouse_clicks=0,
            )
        )
    counts = rebuild_all_rollups(engine, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 1)]
    assert counts == {"people": 1, "activity_10min": 1, "activity_daily": 1, "app_daily": 0}


def test_an_empty_range_changes_nothing(engine: Engine) -> None:
    with engine.begin() as connection:
        person, _ = add_person(connection, add_team(connection, "A"), "UTC")
        refresh_rollups(connection, person, 100, 100, "UTC")
    assert _snapshot(engine) == ({}, {}, {})


def test_offsets_list_every_transition_of_the_range() -> None:
    offsets = utc_offsets("Europe/Paris", utc("2026-03-01T00:00"), utc("2026-11-01T00:00"))
    assert offsets == (
        (utc("2026-03-01T00:00"), 3600),
        (utc("2026-03-29T01:00"), 7200),
        (utc("2026-10-25T01:00"), 3600),
    )
    days = local_days("America/New_York", utc("2026-03-08T04:00"), utc("2026-03-08T06:00"))
    assert [(d.day, d.hi - d.lo) for d in days] == [
        (date(2026, 3, 7), 86400),
        (date(2026, 3, 8), 82800),
    ]


_minute_rows = st.lists(
    st.tuples(st.integers(0, 4 * 24 * 60 - 1), st.integers(0, 60), st.integers(0, 50)),
    max_size=40,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(paris=_minute_rows, new_york=_minute_rows, cut=st.integers(1, 4 * 24 * 60 - 1))
def test_rollups_equal_the_sum_of_minutes(
    engine: Engine,
    paris: list[tuple[int, int, int]],
    new_york: list[tuple[int, int, int]],
    cut: int,
) -> None:
    origin = utc("2026-03-06T00:00")  # four days over the New York change
    with engine.begin() as connection:
        for table in (*schema.PERSON_SERIES, schema.devices, schema.people, schema.teams):
            connection.execute(delete(table))
        team = add_team(connection, "A")
        zones, minutes = {}, {}
        for tz, draws in (("Europe/Paris", paris), ("America/New_York", new_york)):
            person, device = add_person(connection, team, tz)
            zones[person] = tz
            rows = {origin + 60 * m: (origin + 60 * m, a, k, 0) for m, a, k in draws}
            minutes[person] = sorted(rows.values())
            add_minutes(connection, person, device, minutes[person])
            # Two refreshes split anywhere must give what one would.
            refresh_rollups(connection, person, origin, origin + 60 * cut, tz)
            refresh_rollups(connection, person, origin + 60 * cut, origin + 4 * 86400, tz)
    expected = _hand_sum(minutes, {}, zones)
    assert _snapshot(engine) == expected
    for (_, _), row in expected[1].items():
        assert row[1] <= row[0]


def test_the_rebuild_command_prints_one_json_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRAQ_DATA_DIR", str(tmp_path))
    assert traq_main(["init"]) == 0
    engine = open_engine(f"sqlite:///{tmp_path / 'traq.db'}")
    with engine.begin() as connection:
        person, device = add_person(connection, add_team(connection, "A"), "Europe/Paris")
        add_minutes(connection, person, device, run_of_minutes(utc("2026-03-29T00:55"), 10))
    engine.dispose()
    capsys.readouterr()
    parser = argparse.ArgumentParser(prog="traq")
    rollups_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["rollups", "rebuild", "--json"])
    assert args.run(args) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {k: report[k] for k in ("people", "activity_10min", "activity_daily")} == {
        "people": 1,
        "activity_10min": 2,
        "activity_daily": 1,
    }
