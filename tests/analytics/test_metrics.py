"""Metrics against hand-computed figures, on small frames and on the DST organisation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analytics.categories import DEFAULT_APP_CATEGORIES, ratings_frame
from analytics.loaders import load_daily, load_minutes, load_people, load_slots, load_spans
from analytics.metrics import (
    activity_level_means,
    app_time,
    category_shares,
    category_time,
    clock,
    compare_teams,
    daily_from_minutes,
    daily_trend,
    day_bounds,
    focus_per_day,
    focus_sessions,
    last_complete_day,
    period_means,
    productive_share,
    slots_from_minutes,
    trend_slope,
    usual_day_bounds,
    weekly_trend,
    work_time,
)
from analytics.periods import Period
from storage.policies import DEFAULT_POLICIES
from tests.analytics.org import Org

ALL = Period(date(2026, 3, 1), date(2026, 4, 1))
RATINGS = DEFAULT_POLICIES["category_ratings"]
MON, TUE = date(2026, 3, 23), date(2026, 3, 24)


def _frame(**columns: list[object]) -> pl.LazyFrame:
    return pl.LazyFrame(columns)


def test_work_time_adds_idle_time_and_activity_level() -> None:
    frame = _frame(
        person_id=[1, 1], team_id=[1, 1], tracked_seconds=[600, 0], active_seconds=[450, 0]
    )
    result = work_time(frame).collect()
    assert result["idle_seconds"].to_list() == [150, 0]
    assert result["activity_level"].to_list() == [0.75, None]


def test_activity_level_means_weigh_slots_by_tracked_time() -> None:
    slots = _frame(
        person_id=[1, 1, 1],
        team_id=[1, 1, 1],
        day=[MON, MON, TUE],
        tracked_seconds=[600, 300, 600],
        active_seconds=[300, 300, 600],
    )
    daily = activity_level_means(slots, "day").sort("day").collect()
    assert daily["activity_level"].to_list() == pytest.approx([600 / 900, 1.0])
    weekly = activity_level_means(slots, "week").collect()
    assert weekly["week"].to_list() == [MON]
    assert weekly["activity_level"].to_list() == pytest.approx([1200 / 1500])


def test_a_minute_on_two_devices_counts_once() -> None:
    minutes = _frame(
        person_id=[1, 1, 1],
        team_id=[1, 1, 1],
        minute=[0, 0, 60],
        device_id=[1, 2, 1],
        active_seconds=[20, 50, 10],
        key_presses=[1, 2, 3],
        mouse_clicks=[0, 0, 1],
        day=[MON] * 3,
        local_seconds=[32400, 32400, 32460],
    )
    daily = daily_from_minutes(minutes).collect().row(0, named=True)
    assert (daily["tracked_seconds"], daily["active_seconds"], daily["key_presses"]) == (120, 60, 6)
    assert (daily["start_seconds"], daily["end_seconds"]) == (32400, 32520)
    slots = slots_from_minutes(minutes).collect()
    assert slots["tracked_seconds"].to_list() == [120]


def test_recomputing_from_minutes_equals_the_rollups_across_dst(org: Org) -> None:
    minutes = load_minutes(org.engine, ALL)
    columns = [
        "person_id",
        "team_id",
        "day",
        "tracked_seconds",
        "active_seconds",
        "key_presses",
        "mouse_clicks",
        "first_ts",
        "last_ts",
        "start_seconds",
        "end_seconds",
    ]
    ours = daily_from_minutes(minutes).select(columns).collect().sort("person_id", "day")
    rolled = load_daily(org.engine, ALL).select(columns).collect().sort("person_id", "day")
    assert_frame_equal(ours, rolled, check_dtypes=False)
    slot_columns = ["person_id", "slot_start", "tracked_seconds", "active_seconds"]
    ours_slots = slots_from_minutes(minutes).select(slot_columns).collect()
    rolled_slots = load_slots(org.engine, ALL).select(slot_columns).collect()
    assert_frame_equal(ours_slots.sort(slot_columns), rolled_slots.sort(slot_columns))


def _apps() -> pl.LazyFrame:
    return _frame(
        person_id=[1, 1, 1, 2],
        team_id=[1, 1, 1, 2],
        app=["Visual Studio Code", "www.youtube.com", "Slack", "Mystery"],
        seconds=[1200, 300, 300, 100],
    )


def test_category_time_and_shares() -> None:
    categories = category_time(_apps(), DEFAULT_APP_CATEGORIES)
    shares = category_shares(categories).sort("person_id", "category").collect()
    assert shares.select("person_id", "category", "share").rows() == [
        (1, "communication", pytest.approx(1 / 6)),
        (1, "development", pytest.approx(2 / 3)),
        (1, "entertainment", pytest.approx(1 / 6)),
        (2, "uncategorised", 1.0),
    ]
    full = category_shares(
        categories, ["communication", "development", "entertainment", "uncategorised"]
    ).collect()
    assert full.height == 8
    assert full.group_by("person_id").agg(pl.col("share").sum())[
        "share"
    ].to_list() == pytest.approx([1, 1])


def test_productive_share_follows_the_team_ratings() -> None:
    people = _frame(person_id=[1, 2], team_id=[1, 2], team=["Paris", "Other"])
    ratings = ratings_frame({**RATINGS, "Paris": {"entertainment": "productive"}}, people)
    categories = category_time(_apps(), DEFAULT_APP_CATEGORIES)
    shares = productive_share(categories, ratings).sort("person_id").collect()
    assert shares["productive_share"].to_list() == pytest.approx([1500 / 1800, 0.0])
    default = productive_share(categories, ratings_frame(RATINGS, people)).sort("person_id")
    assert default.collect()["productive_share"][0] == pytest.approx(1200 / 1800)


def test_focus_sessions_end_at_other_apps_and_long_gaps() -> None:
    spans = _frame(
        person_id=[1] * 6,
        team_id=[1] * 6,
        day=[MON] * 6,
        start_ts=[0, 1230, 2000, 2300, 5000, 5700],
        end_ts=[1200, 2000, 2300, 4000, 5500, 7000],
        label=["PyCharm", "notion.so", "x.com", "Figma", "PyCharm", "PyCharm"],
    )
    ratings = ratings_frame(RATINGS, _frame(person_id=[1], team_id=[1], team=["A"]))
    sessions = focus_sessions(spans, DEFAULT_APP_CATEGORIES, ratings, min_minutes=25).collect()
    assert sessions.select("start_ts", "end_ts", "seconds").rows() == [
        (0, 2000, 2000),
        (2300, 4000, 1700),
    ]
    assert focus_per_day(sessions.lazy()).collect().row(0)[3:] == (2, 3700)


def test_focus_sessions_on_the_organisation(sqlite_org: Org) -> None:
    spans = load_spans(sqlite_org.engine, ALL)
    ratings = ratings_frame(RATINGS, load_people(sqlite_org.engine))
    assert focus_sessions(spans, DEFAULT_APP_CATEGORIES, ratings).collect().height == 0
    twenty = focus_sessions(spans, DEFAULT_APP_CATEGORIES, ratings, min_minutes=20).collect()
    worked = sum(len(days) for p, days in sqlite_org.worked.items() if p not in sqlite_org.excluded)
    assert twenty.height == 2 * worked
    assert set(twenty["seconds"]) == {1200}


def test_start_and_end_of_day() -> None:
    daily = _frame(
        person_id=[1, 1, 1],
        team_id=[1, 1, 1],
        day=[MON, TUE, date(2026, 3, 25)],
        tracked_seconds=[100, 100, 0],
        start_seconds=[30600, 32400, 0],
        end_seconds=[61200, 63000, 0],
    )
    bounds = day_bounds(daily).collect()
    assert bounds["span_seconds"].to_list() == [30600, 30600]
    usual = usual_day_bounds(bounds.lazy()).collect().row(0, named=True)
    assert (usual["usual_start_seconds"], usual["days"]) == (31500, 2)
    assert bounds.select(clock(pl.col("start_seconds")))["start_seconds"].to_list() == [
        "08:30",
        "09:00",
    ]


def test_trends_keep_complete_days_only() -> None:
    now = datetime(2026, 3, 25, 11, 0, tzinfo=UTC)  # 23:00 on the 24th at UTC-12
    assert last_complete_day(now) == date(2026, 3, 23)
    daily = _frame(
        person_id=[1] * 3,
        team_id=[1] * 3,
        day=[date(2026, 3, 20), MON, TUE],
        tracked_seconds=[3600, 7200, 60],
        active_seconds=[1800, 3600, 60],
    )
    assert daily_trend(daily, now).collect()["day"].to_list() == [date(2026, 3, 20), MON]
    weekly = weekly_trend(daily, now).sort("week").collect()
    assert weekly["week"].to_list() == [date(2026, 3, 16), MON]
    assert weekly["daily_tracked_seconds"].to_list() == [3600, 7200]
    means = period_means(daily).collect().row(0, named=True)
    assert means["days"] == 3 and means["activity_level"] == pytest.approx(5460 / 10860)


def test_trend_slope_and_team_comparison() -> None:
    days = [date(2026, 3, d) for d in (1, 2, 3, 5)]
    series = pl.DataFrame({"team": ["A"] * 4, "day": days, "hours": [1.0, 3.0, 5.0, None]})
    slope = trend_slope(series, "day", "hours", by="team")
    assert slope["hours_per_day"].to_list() == pytest.approx([2.0])
    released = pl.DataFrame(
        {"team": ["A", "B", "C"], "hours": [6.0, 8.0, None], "people": [10, 30, None]}
    )
    compared = compare_teams(released, "hours")
    assert compared["organisation"].to_list() == pytest.approx([7.5, 7.5])
    assert compared["rank"].to_list() == [2, 1]


_minutes = st.lists(
    st.tuples(st.integers(1, 3), st.integers(0, 300), st.integers(1, 2), st.integers(0, 60)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=50, deadline=None)
@given(_minutes)
def test_active_never_exceeds_tracked_and_rollups_equal_minutes(
    rows: list[tuple[int, int, int, int]],
) -> None:
    person, minute, device, active = (list(c) for c in zip(*rows, strict=True))
    minutes = pl.LazyFrame(
        {
            "person_id": person,
            "team_id": person,
            "minute": [m * 60 for m in minute],
            "device_id": device,
            "active_seconds": active,
            "key_presses": active,
            "mouse_clicks": active,
            "day": [date(2026, 3, 1 + m // 100) for m in minute],
            "local_seconds": [m * 60 % 86400 for m in minute],
        }
    ).unique(["person_id", "minute", "device_id"])
    daily = daily_from_minutes(minutes).collect()
    slots = slots_from_minutes(minutes).collect()
    distinct = minutes.select("person_id", "minute").unique().collect().height
    assert daily["tracked_seconds"].sum() == slots["tracked_seconds"].sum() == 60 * distinct
    assert daily["active_seconds"].sum() == slots["active_seconds"].sum()
    assert (daily["active_seconds"] <= daily["tracked_seconds"]).all()


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 4), st.sampled_from(sorted(DEFAULT_APP_CATEGORIES)), st.integers(0, 5000)
        ),
        min_size=1,
        max_size=40,
    )
)
def test_category_shares_sum_to_one(rows: list[tuple[int, str, int]]) -> None:
    person, app, seconds = (list(c) for c in zip(*rows, strict=True))
    apps = pl.LazyFrame({"person_id": person, "team_id": person, "app": app, "seconds": seconds})
    categories = category_time(app_time(apps), DEFAULT_APP_CATEGORIES)
    every = sorted(set(DEFAULT_APP_CATEGORIES.values()))
    shares = category_shares(categories, every).collect()
    sums = shares.group_by("person_id").agg(pl.col("share").sum())["share"]
    assert all(abs(total - 1) < 1e-9 for total in sums)
    assert (shares["share"] >= 0).all()
