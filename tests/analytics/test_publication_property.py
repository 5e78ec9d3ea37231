"""Property: no combination of published cells isolates one person (issue 15).

Random small organisations (absences, joins and leaves, small teams, rare applications,
tracked time outside spans) are published day by day; every published sum is then written,
from its kind and key alone (as an attacker reads it), as a row over each person's daily
finest contributions, its value checked against that row, and the row space checked to
contain no vector supported on a single person (numpy ranks, ``tests.analytics.linear``).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.publication.cells import Contributions
from analytics.publication.suppress import publish_day
from analytics.publication.units import Team, form_units
from tests.analytics.linear import Column, finest, isolated, rows_of

K = 3
CATEGORIES = {"code": "development", "term": "development", "slack": "communication"}
CATEGORIES |= {"zoom": "meetings", "tube": "entertainment"}
APPS = [*CATEGORIES, "rare1", "rare2"]  # rare ones are uncategorised
HOURS = [8, 9, 10, 14]

PersonDay = dict[int, tuple[int, int, dict[str, int]]]  # hour -> tracked, active %, apps
person_day = st.one_of(
    st.none(),  # absent (or not yet joined, or left)
    st.dictionaries(
        st.sampled_from(HOURS),
        st.tuples(
            st.integers(60, 3600),
            st.integers(0, 60),
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


def _contributions(days: dict[int, PersonDay]) -> Contributions:
    hours = {
        p: {h: (float(t), float(t * a // 100)) for h, (t, a, _) in d.items()}
        for p, d in days.items()
    }
    apps = {
        p: {(h, app): float(s) for h, (_, _, used) in d.items() for app, s in used.items()}
        for p, d in days.items()
    }
    return Contributions(hours, apps)


def _by_day(
    teams: list[list[list[PersonDay | None]]],
) -> dict[int, dict[int, dict[int, PersonDay]]]:
    """day -> team -> person -> their day."""
    out: dict[int, dict[int, dict[int, PersonDay]]] = {}
    person = 0
    for team, members in enumerate(teams):
        for days in members:
            for day, data in enumerate(days):
                if data is not None:
                    out.setdefault(day, {}).setdefault(team, {})[person] = data
            person += 1
    return out


@settings(max_examples=150, deadline=None)
@given(organisations)
def test_no_published_combination_isolates_a_person(
    teams: list[list[list[PersonDay | None]]],
) -> None:
    matrix: list[list[Column]] = []
    columns: dict[Column, float] = {}
    for day, by_team in _by_day(teams).items():
        units = form_units([Team(t, f"team {t}", len(p)) for t, p in by_team.items()], K, {})
        everyone = [p for people in by_team.values() for p in people]
        counted = [p for t, people in by_team.items() if t in units for p in people]
        assert sorted(counted) in ([], sorted(everyone))  # all in exactly one unit, or none
        for unit in set(units.values()):
            rows = {
                p: d for t, people in by_team.items() if units.get(t) == unit
                for p, d in people.items()
            }  # fmt: skip
            day_of = _contributions(rows)
            local = {
                (p, (day, unit), family, key): v
                for p in rows
                for (family, key), v in finest(day_of.hours[p], day_of.apps[p]).items()
            }
            columns |= local
            published = publish_day(day_of, CATEGORIES, K)
            shown_apps = {c.key for c, v in published if c.kind == "app" and v is not None}
            for cell, value in published:
                if value is None:
                    continue
                assert value.people >= K
                for row, field in rows_of(cell.kind, cell.key, shown_apps, local, CATEGORIES):
                    assert sum(local[c] for c in row) == getattr(value, field)  # exact model
                    matrix.append(row)
    assert isolated(matrix, list(columns)) == []
