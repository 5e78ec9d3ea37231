"""The privacy guard: k people per cell, complementary suppression, refused filters, noise."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from itertools import count

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.categories import AnalyticsPolicy, load_analytics_policy
from analytics.errors import GuardRefused, InvalidQuery
from analytics.guard import Guard, Noise, Scope, release, suppressed_cells
from analytics.loaders import load_daily
from analytics.periods import Period
from tests.analytics.org import DAYS, Org

NOW = datetime(2026, 4, 2, 12, tzinfo=UTC)
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
_analysts = count()


def _people_frame(sizes: dict[str, int], value: float = 1.0) -> pl.DataFrame:
    rows = [(f"{team}{i}", team, value) for team, size in sizes.items() for i in range(size)]
    return pl.DataFrame(rows, schema=["person_id", "team", "hours"], orient="row")


def test_small_cells_and_their_smallest_sibling_are_suppressed() -> None:
    frame = _people_frame({"A": 5, "B": 2, "C": 6, "D": 9})
    released = release(frame, ["team"], ["hours"], k=5)
    cells = released.cells.sort("team")
    assert cells["suppressed"].to_list() == [True, True, False, False]
    assert cells["hours"].to_list() == [None, None, 1.0, 1.0]
    assert cells["people"].to_list() == [None, None, 6, 9]
    assert not cells["noised"].any()


def test_totals_cover_shown_cells_only() -> None:
    frame = _people_frame({"A": 5, "B": 2, "C": 6, "D": 9}, value=2.0)
    totals = release(frame, ["team"], ["hours"], k=5, statistic="sum", totals=True).totals
    assert totals is not None
    assert totals.select("hours", "people").row(0) == (30.0, 15)  # C and D: 15 people x 2 h


def test_two_dimensions_leave_no_lone_hidden_cell() -> None:
    keys = [(t, d) for t in "ABC" for d in (1, 2, 3)]
    people = [9, 9, 9, 9, 2, 9, 9, 9, 9]
    hidden = suppressed_cells(keys, people, 5)
    assert sum(hidden) == 4  # the small cell, one in its row, one in its column, and a fourth
    _assert_no_lone_hidden(keys, hidden)


def test_k_below_the_floor_is_refused() -> None:
    with pytest.raises(InvalidQuery, match="at least 3"):
        release(_people_frame({"A": 5}), ["team"], ["hours"], k=2)


def _assert_no_lone_hidden(keys: list[tuple[object, ...]], hidden: list[bool]) -> None:
    for dimension in range(len(keys[0])):
        groups: dict[tuple[object, ...], list[bool]] = defaultdict(list)
        for key, flag in zip(keys, hidden, strict=True):
            groups[key[:dimension] + key[dimension + 1 :]].append(flag)
        for flags in groups.values():
            assert sum(flags) != 1 or all(flags)


_rows = st.lists(
    st.tuples(st.integers(0, 30), st.sampled_from("ABCD"), st.integers(1, 4), st.floats(0, 10)),
    min_size=1,
    max_size=120,
)


@settings(max_examples=60, deadline=None)
@given(rows=_rows, k=st.integers(3, 7), keys=st.sampled_from([["team"], ["team", "day"]]))
def test_no_shown_cell_covers_fewer_than_k_people(
    rows: list[tuple[int, str, int, float]], k: int, keys: list[str]
) -> None:
    frame = pl.DataFrame(rows, schema=["person_id", "team", "day", "hours"], orient="row")
    released = release(frame, keys, ["hours"], k=k, totals=True)
    shown = released.shown
    truth = frame.group_by(keys).agg(pl.col("person_id").n_unique().alias("n"))
    assert (shown.join(truth, on=keys)["n"] >= k).all()
    assert (shown["people"] >= k).all()
    _assert_no_lone_hidden(
        released.cells.select(keys).rows(), released.cells["suppressed"].to_list()
    )
    assert released.totals is not None
    assert (released.totals.filter(~pl.col("suppressed"))["people"] >= k).all()


def _daily(org: Org) -> pl.DataFrame:
    return (
        load_daily(org.engine, MARCH)
        .collect()
        .with_columns((pl.col("tracked_seconds") / 3600).alias("hours"))
    )


def test_guard_releases_teams_with_complementary_suppression(org: Org) -> None:
    guard = Guard(org.engine, "manager-a", NOW)
    released = guard.release(_daily(org), Scope.of(MARCH), ["team_id"], ["hours"])
    cells = dict(zip(released.cells["team_id"], released.cells["people"], strict=True))
    assert cells == {org.teams["Paris"]: 6, org.teams["New York"]: None, org.teams["Tiny"]: None}


def test_excluded_people_never_reach_a_result(org: Org) -> None:
    rows = [(p, 1000.0) for p in org.excluded] + [(p, 1.0) for p in org.members["Paris"]]
    frame = pl.DataFrame(rows, schema=["person_id", "hours"], orient="row")
    released = Guard(org.engine, "manager-b", NOW).release(frame, Scope.of(MARCH), [], ["hours"])
    assert released.cells.select("hours", "people").row(0) == (1.0, 6)


def test_a_differencing_attack_is_refused_even_in_a_later_session(org: Org) -> None:
    daily, paris = _daily(org), org.members["Paris"]
    team = Scope.of(MARCH, team_ids=[org.teams["Paris"]])
    Guard(org.engine, "manager-c", NOW).release(daily, team, [], ["hours"])
    all_but_one = Scope.of(MARCH, person_ids=paris[1:])
    with pytest.raises(GuardRefused, match="differs from one already released") as refused:
        Guard(org.engine, "manager-c", NOW).release(daily, all_but_one, [], ["hours"])
    assert "Person" not in str(refused.value) and "s_" not in str(refused.value)
    shorter = Scope.of(Period(MARCH.first, date(2026, 3, 30)), team_ids=[org.teams["Paris"]])
    with pytest.raises(GuardRefused):  # only four of them worked on the 31st
        Guard(org.engine, "manager-c", NOW).release(daily, shorter, [], ["hours"])


@pytest.mark.parametrize(
    "scope",
    [
        Scope.of(MARCH, person_ids=[1, 2, 3]),
        Scope.of(Period(DAYS[2], DAYS[2]), person_ids=range(1, 8)),  # 4 of them worked
    ],
    ids=["three people", "one day"],
)
def test_filters_singling_out_fewer_than_k_people_are_refused(org: Org, scope: Scope) -> None:
    with pytest.raises(GuardRefused, match="covers fewer than 5 people"):
        Guard(org.engine, f"manager-{next(_analysts)}", NOW).check(scope)


def test_the_tiny_team_cannot_be_selected(org: Org) -> None:
    tiny = Scope.of(MARCH, team_ids=[org.teams["Tiny"]])
    with pytest.raises(GuardRefused):
        Guard(org.engine, "manager-d", NOW).release(_daily(org), tiny, ["day"], ["hours"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    teams=st.sets(st.sampled_from(["Paris", "New York", "Tiny"])),
    drop=st.sets(st.integers(1, 16), max_size=4),
    first=st.sampled_from(DAYS),
    length=st.integers(0, 25),
    keys=st.sampled_from([["team_id"], ["day"], ["team_id", "day"], []]),
)
def test_random_filters_never_release_a_cell_under_k(
    sqlite_org: Org, teams: set[str], drop: set[int], first: date, length: int, keys: list[str]
) -> None:
    guard = Guard(sqlite_org.engine, f"analyst-{next(_analysts)}", NOW)
    period = Period(first, min(date.fromordinal(first.toordinal() + length), date(2026, 3, 31)))
    members = set(range(1, 17)) - drop
    scope = Scope.of(period, [sqlite_org.teams[t] for t in teams] or None, members)
    try:
        released = guard.release(_daily(sqlite_org), scope, keys, ["hours"])
    except GuardRefused:
        assert scope.footprint(guard.units(period))["person_id"].n_unique() < guard.k
        return
    assert (released.shown["people"] >= guard.k).all()
    assert not set(released.shown.columns) & {"person_id"}


def test_noise_is_added_within_the_budget_and_recorded(org: Org) -> None:
    policy = load_analytics_policy(org.engine)
    tight = AnalyticsPolicy(policy.k, policy.app_categories, policy.category_ratings, 1.5)
    guard = Guard(org.engine, "manager-e", NOW, policy=tight)
    noise = Noise(epsilon=1.0, bounds={"hours": 24.0})
    released = guard.release(_daily(org), Scope.of(MARCH), ["team_id"], ["hours"], noise=noise)
    assert released.cells["noised"].all() and released.epsilon == 1.0
    assert guard.spent() == 1.0
    with pytest.raises(GuardRefused, match="budget"):
        guard.release(_daily(org), Scope.of(MARCH), ["team_id"], ["hours"], noise=noise)
    geometric = Noise(epsilon=0.4, bounds={"hours": 30}, mechanism="geometric")
    again = guard.release(_daily(org), Scope.of(MARCH), [], ["hours"], noise=geometric)
    assert again.mechanism == "geometric" and guard.spent() == pytest.approx(1.4)


def test_noise_clips_each_persons_contribution() -> None:
    frame = pl.DataFrame(
        {"person_id": range(6), "team": ["A"] * 6, "hours": [1e6, 1.0, 1.0, 1.0, 1.0, 1.0]}
    )
    released = release(
        frame,
        ["team"],
        ["hours"],
        k=5,
        statistic="sum",
        noise=Noise(epsilon=50.0, bounds={"hours": 2.0}),
    )
    assert released.cells["hours"][0] == pytest.approx(7.0, abs=2.0)  # 2 + 5 x 1, little noise
    with pytest.raises(InvalidQuery, match="bound"):
        release(frame, ["team"], ["hours"], k=5, noise=Noise(epsilon=1.0, bounds={"x": 1.0}))
