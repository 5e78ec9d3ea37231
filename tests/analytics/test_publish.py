"""Publication on the small organisation: units, released once, rights events, late data."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, select, update

from analytics.publication.publish import last_due_day, publish_due
from storage.db.schema import people, publication_cells, publication_days, publication_units
from tests.analytics.builders import add_minutes
from tests.analytics.org import DAYS, Org, local_start

NOW = datetime(2026, 4, 10, tzinfo=UTC)


def _cells(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(
                select(publication_cells).order_by(*publication_cells.primary_key)
            )
        ]


def _worked(org: Org, day: date) -> int:
    return sum(day in org.worked[p] for members in org.members.values() for p in members)


def test_each_day_is_published_once_with_everyone_in_exactly_one_unit(org: Org) -> None:
    report = publish_due(org.engine, NOW)
    assert set(DAYS) <= set(report.days)
    with org.engine.connect() as connection:
        totals = connection.execute(
            select(publication_cells.c.day, publication_cells.c.people).where(
                publication_cells.c.kind == "total"
            )
        ).all()
        teams = connection.execute(
            select(publication_units.c.day, publication_units.c.team_id)
        ).all()
    for day in DAYS:
        assert sum(p for d, p in totals if str(d) == str(day)) == _worked(org, day)
        listed = [t for d, t in teams if str(d) == str(day)]
        assert len(listed) == len(set(listed)) == 3  # every team, once, in one unit
    assert all(p >= 5 for _, p in totals)
    again = publish_due(org.engine, NOW)
    assert again.days == []


def test_nothing_is_published_before_the_grace_has_passed(org: Org) -> None:
    assert last_due_day(datetime(2026, 4, 2, 14, tzinfo=UTC), 48) == date(2026, 3, 30)
    report = publish_due(org.engine, datetime(2026, 4, 2, 14, tzinfo=UTC))
    assert date(2026, 3, 31) not in report.days and date(2026, 3, 30) in report.days


def test_a_rights_event_or_late_data_never_changes_a_published_cell(org: Org) -> None:
    publish_due(org.engine, NOW)
    before = _cells(org.engine)
    person = org.members["Paris"][0]
    with org.engine.begin() as connection:
        connection.execute(update(people).where(people.c.id == person).values(restricted=True))
        start = local_start(date(2026, 3, 27), datetime.min.time().replace(hour=20), "Europe/Paris")
        add_minutes(connection, person, person, [(start + 60 * m, 30, 1, 1) for m in range(30)])
    assert publish_due(org.engine, NOW).days == []
    assert _cells(org.engine) == before


def test_later_days_leave_a_restricted_person_out(org: Org) -> None:
    publish_due(org.engine, NOW, until=date(2026, 3, 9))
    person = next(p for p in org.members["Paris"] if date(2026, 3, 27) in org.worked[p])
    with org.engine.begin() as connection:
        connection.execute(update(people).where(people.c.id == person).values(restricted=True))
    publish_due(org.engine, NOW)
    with org.engine.connect() as connection:
        people_on = (
            connection.execute(
                select(publication_cells.c.people).where(
                    publication_cells.c.kind == "total",
                    publication_cells.c.day == date(2026, 3, 27),
                )
            )
            .scalars()
            .all()
        )
        k = connection.execute(select(publication_days.c.k)).scalars().first()
    assert sum(people_on) == _worked(org, date(2026, 3, 27)) - 1
    assert k == 5


def test_a_planted_lone_application_is_isolated_by_no_combination(org: Org) -> None:
    """One person opens an application nobody else uses, inside a shown category and hour:
    without complementary suppression the category minus the shown application is theirs."""
    from analytics.periods import Period
    from analytics.publication.inputs import load_days
    from analytics.publication.read import load_published
    from storage.policies import DEFAULT_POLICIES
    from tests.analytics.builders import add_spans
    from tests.analytics.linear import attack, columns_of

    day = date(2026, 3, 27)
    person = next(p for p in org.members["Paris"] if day in org.worked[p])
    start = local_start(day, datetime.min.time().replace(hour=9, minute=1), org.zones[person])
    with org.engine.begin() as connection:
        add_spans(connection, person, person, [(start, start + 240, "PyCharm", None)])
    publish_due(org.engine, NOW)
    with org.engine.connect() as connection:
        rows = load_days(connection, Period(day, day))[day]
    cells = load_published(org.engine, Period(day, day))
    assert "PyCharm" not in set(cells["key"])  # a lone application is never named
    for _, group in cells.group_by("unit_id"):
        assert attack(group, columns_of(rows), DEFAULT_POLICIES["app_categories"]) == []


def _set_noise(engine: Engine, noise: dict[str, float]) -> None:
    from storage.policies import DEFAULT_POLICIES, set_policy

    value = {**DEFAULT_POLICIES["publication"], "noise": noise}
    with engine.begin() as connection:
        set_policy(connection, "publication", value, "test", NOW)


def test_noise_spends_the_units_budget_in_the_ledger_and_then_suppresses(org: Org) -> None:
    from storage.db.schema import privacy_ledger

    _set_noise(org.engine, {"epsilon_per_day": 1.0, "clip_hours": 2, "budget_per_month": 3.0})
    publish_due(org.engine, NOW, until=date(2026, 3, 9))
    with org.engine.connect() as connection:
        spent = connection.execute(select(privacy_ledger.c.analyst, privacy_ledger.c.epsilon)).all()
        totals = connection.execute(
            select(
                publication_cells.c.day,
                publication_cells.c.people,
                publication_cells.c.tracked_seconds,
            ).where(publication_cells.c.kind == "total")
        ).all()
        epsilons = set(connection.execute(select(publication_days.c.epsilon)).scalars())
    assert epsilons == {1.0}
    assert spent and all(
        a.startswith("publication:unit ") and a.endswith(":2026-03") for a, _ in spent
    )
    by_unit: dict[str, float] = {}
    for analyst, epsilon in spent:
        by_unit[analyst] = by_unit.get(analyst, 0.0) + epsilon
    assert by_unit and all(total <= 3.0 for total in by_unit.values())  # the budget holds
    shown = [(d, p, t) for d, p, t in totals if p is not None]
    hidden = [(d, p, t) for d, p, t in totals if p is None]
    assert len(shown) == 3 and hidden  # three days of budget, then suppressed
    for _, people_on_day, tracked in shown:  # an hour of work each: noised, so not exact
        assert tracked != people_on_day * 3600.0


def test_malformed_noise_settings_are_refused_in_one_line(org: Org) -> None:
    import pytest

    from analytics.errors import InvalidQuery

    _set_noise(org.engine, {"epsilon_per_day": -1.0})
    with pytest.raises(InvalidQuery, match="must be positive"):
        publish_due(org.engine, NOW)


def test_the_services_schedule_publishes_due_days(org: Org, tmp_path: object) -> None:
    import time as clock
    from pathlib import Path

    from services.retention.schedule import PurgeThread
    from storage import Storage
    from storage.config import load_settings
    from storage.objects import open_object_store

    folder = Path(str(tmp_path))
    settings = load_settings({"TRAQ_DATA_DIR": str(folder)})
    storage = Storage(settings, org.engine, open_object_store((folder / "objects").as_uri()))
    thread = PurgeThread(lambda: storage, clock=lambda: NOW, interval=0.05)
    thread.start()
    try:
        deadline = clock.monotonic() + 60
        while clock.monotonic() < deadline:
            with org.engine.connect() as connection:
                if connection.execute(select(publication_days.c.day)).first():
                    break
            clock.sleep(0.05)
    finally:
        thread.stop()
        thread.join()
    with org.engine.connect() as connection:
        days = set(connection.execute(select(publication_days.c.day)).scalars())
    assert {str(d) for d in DAYS} <= {str(d) for d in days}
