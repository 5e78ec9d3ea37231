"""Property: no combination of published cells isolates one person (issue 15).

Random small organisations (absences, joins and leaves, small teams, rare applications,
tracked time outside spans) are published day by day; every published sum is then written,
from its kind and key alone (as an attacker reads it), as a row over each person's daily
finest contributions, its value checked against that row, and the row space checked to
contain no vector supported on a single person (numpy ranks).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.publication.cells import ACTIVE, TIME, UNSPANNED, Contributions, category_of
from analytics.publication.suppress import publish_day
from analytics.publication.units import Team, form_units

K = 3
CATEGORIES = {"code": "development", "term": "development", "slack": "communication"}
CATEGORIES |= {"zoom": "meetings", "tube": "entertainment"}
APPS = [*CATEGORIES, "rare1", "rare2"]  # rare ones are uncategorised
HOURS = [8, 9, 10, 14]

person_day = st.one_of(
    st.none(),  # absent (or not yet joined, or left)
    st.dictionaries(
        st.sampled_from(HOURS),
        st.tuples(
            st.integers(60, 3600),  # tracked
            st.integers(0, 60),  # active, as a percentage
            st.dictionaries(st.sampled_from(APPS), st.integers(1, 1800), max_size=3),
        ),
        min_size=1,
        max_size=3,
    ),
)
organisations = st.lists(  # teams: each a list of people, each a list of days
    st.lists(st.lists(person_day, min_size=2, max_size=2), min_size=1, max_size=6),
    min_size=1,
    max_size=3,
)


def _contributions(days: dict[int, dict[int, tuple[int, int, dict[str, int]]]]) -> Contributions:
    hours = {p: {h: (float(t), float(t * a // 100)) for h, (t, a, _) in d.items()} for p, d in days.items()}
    apps = {
        p: {(h, app): float(s) for h, (_, _, used) in d.items() for app, s in used.items()}
        for p, d in days.items()
    }
    return Contributions(hours, apps)


def _finest(day: Contributions, person: int) -> dict[tuple[str, Hashable], float]:
    """The person's finest contributions, recomputed here (not with the code under test)."""
    out: dict[tuple[str, Hashable], float] = {}
    for hour, (tracked, active) in day.hours[person].items():
        spans = {a: s for (h, a), s in day.apps[person].items() if h == hour}
        out |= {(TIME, (hour, a)): s for a, s in spans.items()}
        if tracked - sum(spans.values()):
            out[(TIME, (hour, UNSPANNED))] = tracked - sum(spans.values())
        if active:
            out[(ACTIVE, hour)] = active
    return out


def _rows(kind: str, key: str, shown_apps: set[str], columns: dict[object, float]) -> list[tuple[dict[object, float], str]]:
    """The published sums of a cell as rows over ``columns`` (person, day, family, key)."""

    def row(test: object) -> dict[object, float]:
        return {c: 1.0 for c in columns if test(c)}  # type: ignore[operator]

    def app_of(c: tuple) -> str:  # type: ignore[type-arg]
        return c[3][1] if c[2] == TIME else ""

    if kind == "total":
        return [(row(lambda c: c[2] == TIME), "tracked"), (row(lambda c: c[2] == ACTIVE), "active")]
    if kind == "hour":
        h = int(key)
        return [
            (row(lambda c: c[2] == TIME and c[3][0] == h), "tracked"),
            (row(lambda c: c[2] == ACTIVE and c[3] == h), "active"),
        ]
    if kind == "category":
        return [(row(lambda c: c[2] == TIME and app_of(c) != UNSPANNED and category_of(app_of(c), CATEGORIES) == key), "seconds")]
    if kind == "app":
        return [(row(lambda c: c[2] == TIME and app_of(c) == key), "seconds")]
    return [(row(lambda c: c[2] == TIME and app_of(c) not in shown_apps | {UNSPANNED} and category_of(app_of(c), CATEGORIES) == key), "seconds")]


@settings(max_examples=150, deadline=None)
@given(organisations)
def test_no_published_combination_isolates_a_person(teams: list[list[list[object]]]) -> None:
    matrix: list[np.ndarray] = []
    columns: dict[object, float] = {}
    blocks = []
    person = 0
    people_days: dict[int, dict[int, dict[int, dict[int, tuple[int, int, dict[str, int]]]]]] = {}
    for team_id, members in enumerate(teams):
        for days in members:
            for day, data in enumerate(days):
                if data is not None:
                    people_days.setdefault(day, {}).setdefault(team_id, {})[person] = data  # type: ignore[assignment]
            person += 1
    for day, by_team in people_days.items():
        teams_today = [Team(t, f"team {t}", len(p)) for t, p in by_team.items()]
        units = form_units(teams_today, K, {})
        everyone = [p for people in by_team.values() for p in people]
        counted = [p for t, people in by_team.items() if t in units for p in people]
        assert len(counted) == len(set(counted))  # every person in at most one unit
        assert len(counted) in (0, len(everyone))  # and all of them, once any unit exists
        for unit in set(units.values()):
            rows = {p: d for t, people in by_team.items() if units.get(t) == unit for p, d in people.items()}
            contributions = _contributions(rows)
            local = {(p, day, *k): v for p in rows for k, v in _finest(contributions, p).items()}
            columns |= local
            blocks.append((publish_day(contributions, CATEGORIES, K), local))
    order = list(columns)
    index = {c: i for i, c in enumerate(order)}
    for published, local in blocks:
        shown_apps = {cell.key for cell, v in published if cell.kind == "app" and v is not None}
        for cell, value in published:
            if value is None:
                continue
            assert value.people >= K
            for row, field in _rows(cell.kind, cell.key, shown_apps, local):
                assert sum(local[c] for c in row) == getattr(value, field)  # the model is exact
                vector = np.zeros(len(order))
                vector[[index[c] for c in row]] = 1.0
                matrix.append(vector)
    if not matrix:
        return
    published_rows = np.vstack(matrix)
    rank = np.linalg.matrix_rank(published_rows)
    for who in {c[0] for c in order}:
        own = [index[c] for c in order if c[0] == who]
        single = np.zeros((len(own), len(order)))
        single[range(len(own)), own] = 1.0
        joint = np.linalg.matrix_rank(np.vstack([published_rows, single]))
        assert rank + len(own) - joint == 0, f"person {who} is isolated by published cells"
