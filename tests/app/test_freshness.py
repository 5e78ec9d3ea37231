"""Cached dashboards change the moment a day is published, and never because person rows
changed: a restriction or a withdrawal after publication leaves every shown figure as it was
(released once, issue 15), a newly published day shows on the next rerun. Runs on a copy of
the demo."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select, update

from analytics.publication.publish import publish_due
from services.freshness import data_version
from services.rights import file_request, load_actor, set_restriction
from storage import Storage, audit
from storage.db.schema import people, publication_cells, publication_days, publication_units, teams
from storage.rollups import mark_refreshed
from tests.app.conftest import Demo, signed_in

COVERS = re.compile(r"covers (?:\d+ to )?(\d+) people")  # the most one figure covers
NOW = datetime(2026, 4, 1, tzinfo=UTC)


def _covers(app: object) -> list[int]:
    found = [COVERS.search(c.value) for c in app.caption]  # type: ignore[attr-defined]
    return [int(m.group(1)) for m in found if m]


def _shown(app: object) -> list[str]:
    """Every caption, metric and table cell the page shows."""
    texts = [c.value for c in app.caption] + [m.value for m in app.metric]  # type: ignore[attr-defined]
    return texts + [str(f.value.to_dict()) for f in app.dataframe]  # type: ignore[attr-defined]


def test_a_restriction_changes_no_published_figure(demo: Demo, installation: Storage) -> None:
    engine = installation.engine
    app = signed_in(demo.manager_of("Platform"), demo.password)
    before = _shown(app)
    assert _covers(app) == [13, 13]
    with engine.begin() as c:
        team = c.execute(select(teams.c.id).where(teams.c.name == "Platform")).scalar_one()
        member = c.execute(select(people.c.id).where(people.c.team_id == team)).scalars().first()
        set_restriction(c, load_actor(c, "ilse.marchetti"), int(member), True, NOW)
    publish_due(engine, datetime.now(UTC))
    app.run()
    assert not app.exception
    assert _shown(app) == before


def test_a_newly_published_day_shows_on_the_next_rerun(demo: Demo, installation: Storage) -> None:
    engine = installation.engine
    last = date(2026, 3, 31)
    with engine.begin() as c:  # as if the last day had not been published yet
        for table in (publication_cells, publication_units, publication_days):
            c.execute(delete(table).where(table.c.day == last))
    app = signed_in(demo.manager_of("Platform"), demo.password)
    before = _person_days(app)
    assert publish_due(engine, datetime.now(UTC)).days == [last]
    app.run()
    assert not app.exception
    assert _person_days(app) > before


def _person_days(app: object) -> int:
    found = [re.search(r"(\d+) person-days", c.value) for c in app.caption]  # type: ignore[attr-defined]
    return max(int(m.group(1)) for m in found if m)


def test_the_version_moves_with_rollups_and_who_is_counted_not_with_reads(
    installation: Storage,
) -> None:
    engine = installation.engine
    first = data_version(engine)
    assert data_version(engine) == first  # stable while nothing changes
    with engine.begin() as c:
        person = int(c.execute(select(people.c.id)).scalars().first())
        mark_refreshed(c, person)
    second = data_version(engine)
    assert second[0] > first[0] and second[1:] == first[1:]
    with engine.begin() as c:  # reads are audited, and must not throw every figure away
        dpo = load_actor(c, "ilse.marchetti")
        audit.append(c, dpo.ref, "requests.listed", None, {"count": 0}, NOW)
        audit.append(c, dpo.ref, "self.screenshots.viewed", audit.person_ref(person), {}, NOW)
    assert data_version(engine) == second
    last_team = select(func.max(teams.c.id)).scalar_subquery()
    this_person = update(people).where(people.c.id == person)
    changes = [
        lambda c: set_restriction(c, load_actor(c, "ilse.marchetti"), person, True, NOW),
        lambda c: c.execute(this_person.values(consent="withdrawn")),
        lambda c: c.execute(this_person.values(objected=True)),
        lambda c: c.execute(this_person.values(team_id=last_team)),
    ]
    seen = {second}
    for change in changes:
        with engine.begin() as c:
            change(c)
        moved = data_version(engine)
        assert moved not in seen and moved[0] == second[0] and moved[2] == second[2]
        seen.add(moved)


def test_a_consent_withdrawal_changes_no_published_figure(
    demo: Demo, installation: Storage
) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    before = _shown(app)
    with installation.engine.begin() as c:
        team = c.execute(select(teams.c.id).where(teams.c.name == "Platform")).scalar_one()
        member = c.execute(select(people.c.id).where(people.c.team_id == team)).scalars().first()
        file_request(c, load_actor(c, "ilse.marchetti"), int(member), "consent_withdrawal", NOW,
                     identity_verification="signed letter")  # fmt: skip
    app.run()
    assert not app.exception
    assert _shown(app) == before
