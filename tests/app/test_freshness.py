"""Cached dashboards change the moment the data does: a restriction, an idle review or new
rows show on the next rerun, not when a cache entry expires. Runs on a copy of the demo."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from services.freshness import data_version
from services.rights import file_request, load_actor, set_restriction
from storage import Storage, audit
from storage.db.schema import people, teams
from storage.rollups import mark_refreshed
from tests.app.conftest import Demo, signed_in

COVERS = re.compile(r"covers (?:\d+ to )?(\d+) people")  # the most one figure covers
NOW = datetime(2026, 4, 1, tzinfo=UTC)


def _covers(app: object) -> list[int]:
    found = [COVERS.search(c.value) for c in app.caption]  # type: ignore[attr-defined]
    return [int(m.group(1)) for m in found if m]


def test_a_restriction_shows_on_the_next_rerun(demo: Demo, installation: Storage) -> None:
    engine = installation.engine
    app = signed_in(demo.manager_of("Platform"), demo.password)
    before = _covers(app)
    assert before == [6, 6]
    with engine.begin() as c:
        team = c.execute(select(teams.c.id).where(teams.c.name == "Platform")).scalar_one()
        member = c.execute(select(people.c.id).where(people.c.team_id == team)).scalars().first()
        set_restriction(c, load_actor(c, "ilse.marchetti"), int(member), True, NOW)
    app.run()
    assert not app.exception
    assert _covers(app) == [5, 5]


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


def test_a_consent_withdrawal_shows_on_the_next_rerun(demo: Demo, installation: Storage) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    assert _covers(app) == [6, 6]
    with installation.engine.begin() as c:
        team = c.execute(select(teams.c.id).where(teams.c.name == "Platform")).scalar_one()
        member = c.execute(select(people.c.id).where(people.c.team_id == team)).scalars().first()
        file_request(c, load_actor(c, "ilse.marchetti"), int(member), "consent_withdrawal", NOW,
                     identity_verification="signed letter")  # fmt: skip
    app.run()
    assert not app.exception
    assert _covers(app) == [5, 5]
