"""Loaders: identical on both backends, eligible people only, in each person's local time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.loaders import (
    load_app_daily,
    load_app_totals,
    load_daily,
    load_minutes,
    load_people,
    load_slots,
    load_spans,
    to_pandas,
)
from analytics.periods import Period
from storage.db.engine import open_engine
from storage.db.migrate import upgrade_to_head
from tests.analytics.org import DAYS, SESSION_MINUTES, Org, build_org

ALL = Period(date(2026, 3, 1), date(2026, 4, 1))
TIMED: list[Callable[..., pl.LazyFrame]] = [
    load_minutes,
    load_spans,
    load_slots,
    load_daily,
    load_app_daily,
    load_app_totals,
]


def _sorted(frame: pl.LazyFrame) -> pl.DataFrame:
    eager = frame.collect()
    return eager.sort(eager.columns)


def test_loaders_give_identical_frames_on_sqlite_and_postgresql(
    tmp_path: Path, pg_schema_url: str
) -> None:
    engines = [open_engine(f"sqlite:///{tmp_path / 'traq.db'}"), open_engine(pg_schema_url)]
    for engine in engines:
        upgrade_to_head(engine)
        build_org(engine)
    try:
        lite, pg = engines
        assert_frame_equal(_sorted(load_people(lite)), _sorted(load_people(pg)))
        for loader in TIMED:
            assert_frame_equal(_sorted(loader(lite, ALL)), _sorted(loader(pg, ALL)))
    finally:
        for engine in engines:
            engine.dispose()


@pytest.mark.parametrize("loader", TIMED, ids=lambda f: f.__name__)
def test_restricted_objecting_and_withdrawn_people_are_absent(
    sqlite_org: Org, loader: Callable[..., pl.LazyFrame]
) -> None:
    frame = loader(sqlite_org.engine, ALL).collect()
    members = {p for team in sqlite_org.members.values() for p in team}
    assert set(frame["person_id"]) == members
    assert not set(frame["person_id"]) & set(sqlite_org.excluded)


def test_people_are_eligible_members_with_their_team(sqlite_org: Org) -> None:
    people = load_people(sqlite_org.engine).collect()
    assert people.height == 13
    paris = people.filter(pl.col("team") == "Paris")
    assert paris["person_id"].to_list() == sqlite_org.members["Paris"]
    assert set(paris["timezone"]) == {"Europe/Paris"}


@pytest.mark.parametrize("team", ["Paris", "New York"])
def test_minutes_fall_on_local_days_across_daylight_saving(sqlite_org: Org, team: str) -> None:
    person = sqlite_org.members[team][0]
    minutes = load_minutes(sqlite_org.engine, ALL, person_ids=[person]).collect()
    per_day = minutes.group_by("day").agg(pl.len(), pl.col("local_seconds").min()).sort("day")
    assert per_day["day"].to_list() == sqlite_org.worked[person]
    assert set(per_day["len"]) == {2 * SESSION_MINUTES}
    assert set(per_day["local_seconds"]) == {9 * 3600}  # 09:00 local on both sides


def test_daily_rows_have_local_start_and_end(sqlite_org: Org) -> None:
    daily = load_daily(sqlite_org.engine, ALL).collect()
    assert set(daily["start_seconds"]) == {9 * 3600}
    assert set(daily["end_seconds"]) == {14 * 3600 + SESSION_MINUTES * 60}
    assert set(daily["tracked_seconds"]) == {2 * SESSION_MINUTES * 60}


def test_filters_by_team_person_and_period(sqlite_org: Org) -> None:
    engine, teams = sqlite_org.engine, sqlite_org.teams
    one_day = Period(date(2026, 3, 29), date(2026, 3, 29))
    daily = load_daily(engine, one_day, team_ids=[teams["Paris"]]).collect()
    assert set(daily["day"]) == {date(2026, 3, 29)}
    assert set(daily["team_id"]) == {teams["Paris"]}
    minutes = load_minutes(engine, one_day, team_ids=[teams["Paris"]]).collect()
    assert minutes.height == daily.height * 2 * SESSION_MINUTES
    person = sqlite_org.members["Tiny"][1]
    spans = load_spans(engine, Period(DAYS[0], DAYS[-1]), person_ids=[person]).collect()
    assert set(spans["person_id"]) == {person}
    assert set(spans["label"]) == {"Visual Studio Code", "www.youtube.com", "Slack"}


def test_app_totals_sum_app_days(sqlite_org: Org) -> None:
    per_day = load_app_daily(sqlite_org.engine, ALL).collect()
    totals = load_app_totals(sqlite_org.engine, ALL).collect()
    expected = per_day.group_by("person_id", "team_id", "app").agg(
        pl.col("seconds").sum(), pl.len().cast(pl.Int64).alias("days")
    )
    assert_frame_equal(totals.sort("person_id", "app"), expected.sort("person_id", "app"))


def test_to_pandas_converts_at_the_edge(sqlite_org: Org) -> None:
    frame = to_pandas(load_daily(sqlite_org.engine, ALL))
    assert list(frame.columns)[:3] == ["person_id", "team_id", "day"]
    assert len(frame) > 0


@pytest.mark.parametrize("loader", [load_daily, load_slots, load_app_daily, load_minutes])
def test_nobody_eligible_gives_empty_frames_with_their_columns(
    loader: Callable[..., pl.LazyFrame], tmp_path: Path
) -> None:
    """With everyone restricted (or no one yet) a dashboard gets an empty frame, not an error."""
    engine = open_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade_to_head(engine)
    frame = loader(engine, Period(date(2026, 3, 1), date(2026, 3, 7))).collect()
    assert frame.height == 0
    assert "person_id" in frame.columns and "team_id" in frame.columns
