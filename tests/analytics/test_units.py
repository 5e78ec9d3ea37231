"""Units: small teams fold into a neighbour, as the admin chose or the next team by name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from analytics.publication.units import Team, form_units


def test_a_small_team_folds_into_the_next_team_by_name() -> None:
    teams = [Team(1, "Legal", 3), Team(2, "Platform", 6), Team(3, "Product", 5)]
    assert form_units(teams, 5, {}) == {1: 2, 2: 2, 3: 3}


def test_the_admin_chooses_where_a_small_team_goes() -> None:
    teams = [Team(1, "Legal", 3), Team(2, "Platform", 6), Team(3, "Product", 5)]
    assert form_units(teams, 5, {"Legal": "Product"}) == {1: 3, 2: 2, 3: 3}


def test_small_teams_fold_again_until_the_unit_reaches_k() -> None:
    teams = [Team(1, "A", 2), Team(2, "B", 2), Team(3, "C", 2), Team(4, "D", 9)]
    units = form_units(teams, 5, {})
    assert units[1] == units[2] == units[3]  # A into B, then A+B into C: 6 people
    assert units[4] == 4


def test_a_day_with_fewer_than_k_people_in_all_has_no_unit() -> None:
    assert form_units([Team(1, "A", 2), Team(2, "B", 2)], 5, {}) == {}


@given(st.lists(st.integers(0, 9), min_size=1, max_size=8), st.integers(3, 6))
def test_every_person_is_in_exactly_one_unit_of_at_least_k(sizes: list[int], k: int) -> None:
    teams = [Team(i, f"team {i:02d}", n) for i, n in enumerate(sizes)]
    units = form_units(teams, k, {})
    present = {t.team_id for t in teams if t.people}
    if sum(sizes) < k:
        assert units == {}
        return
    assert set(units) == present  # every team with people, once
    for unit in set(units.values()):
        assert sum(t.people for t in teams if units.get(t.team_id) == unit) >= k
