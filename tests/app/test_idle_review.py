"""The idle review page: discarding a stretch lowers the employee's work time by exactly its
length in the self-view and in the rollups the team dashboards read; keeping restores it;
nobody reviews another person's stretches. Runs on a copy of the demo, which it changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import Period
from analytics.loaders import load_daily
from app.durations import duration_text
from services.idle_review import (
    DISCARD,
    KEEP,
    Stretch,
    my_idle_stretches,
    review_idle_stretch,
)
from services.selfview import Subject, my_slots, subject
from storage import Storage
from tests.app.accounts import account, employee_in_team
from tests.app.conftest import Demo, page_as

PAGE = "app/pages/idle_review.py"
DEMO_END = date(2026, 3, 31)
NOW = datetime(2026, 4, 1, tzinfo=UTC)


def _first_stretch(storage: Storage, person: Subject) -> tuple[Stretch, Period]:
    week = Period(DEMO_END - timedelta(days=6), DEMO_END)
    stretch = my_idle_stretches(storage.engine, person, week)[0]
    day = stretch.start.date()
    return stretch, Period(day, day)


def _work_time(storage: Storage, person: Subject, day: Period) -> tuple[int, int]:
    """Tracked seconds of the day: the self-view's slots, and the daily rollup that the team
    dashboards load (through the same loader)."""
    own = int(my_slots(storage.engine, person, day)["tracked_seconds"].sum())
    daily = load_daily(storage.engine, day, person_ids=[person.person_id]).collect()
    return own, int(daily.filter(pl.col("person_id") == person.person_id)["tracked_seconds"].sum())


def _review_page(demo: Demo, username: str, day: date) -> AppTest:
    app = page_as(PAGE, account(username, demo.password))
    app.date_input(key="idle-day").set_value(day).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_discard_lowers_work_time_by_the_stretch_and_keep_restores_it(
    demo: Demo, installation: Storage
) -> None:
    username, person_id = employee_in_team(1)
    person = subject(installation.engine, person_id)
    stretch, day = _first_stretch(installation, person)
    before = _work_time(installation, person, day)
    assert before[0] == before[1] > stretch.seconds > 0

    app = _review_page(demo, username, day.first)
    assert "not reviewed" in [m.value for m in app.markdown]
    app.button(key=f"discard-{stretch.start_ts}").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Idle stretch discarded." in [s.value for s in app.success]
    after = _work_time(installation, person, day)
    assert after == (before[0] - stretch.seconds, before[1] - stretch.seconds)
    shown = {m.label: m.value for m in app.metric}
    assert shown["Discarded from work time"] == f"{stretch.seconds / 60:.0f} min"

    app.button(key=f"keep-{stretch.start_ts}").click().run()
    assert "Idle stretch kept as work." in [s.value for s in app.success]
    assert _work_time(installation, person, day) == before
    assert my_idle_stretches(installation.engine, person, day)[0].decision == KEEP


def test_the_week_view_lists_every_stretch_of_the_week(demo: Demo, installation: Storage) -> None:
    username, person_id = employee_in_team(1)
    person = subject(installation.engine, person_id)
    _, day = _first_stretch(installation, person)
    app = _review_page(demo, username, day.first)
    app.radio(key="idle-span").set_value("Week").run()
    monday = day.first - timedelta(days=day.first.weekday())
    week = my_idle_stretches(installation.engine, person, Period(monday, monday + timedelta(6)))
    assert {m.label: m.value for m in app.metric}["Idle stretches"] == str(len(week))
    assert len([b for b in app.button if b.key.startswith(DISCARD)]) == len(week)


def test_another_persons_stretch_cannot_be_reviewed(demo: Demo, installation: Storage) -> None:
    _, owner_id = employee_in_team(1)
    intruder, intruder_id = employee_in_team(1, skip=1)
    owner = subject(installation.engine, owner_id)
    stretch, day = _first_stretch(installation, owner)
    before = _work_time(installation, owner, day)

    app = page_as(PAGE, account(intruder, demo.password))
    app.query_params["person"] = str(owner_id)  # a tampered query parameter
    app.run()
    assert "You may see only your own data." in [e.value for e in app.error]
    assert not app.button

    # The intruder's own page never offers the owner's stretch, and a forged decision about
    # it (the callback the buttons call) is refused and changes nothing.
    app = _review_page(demo, intruder, day.first)
    assert f"discard-{stretch.start_ts}" not in [b.key for b in app.button]
    me = subject(installation.engine, intruder_id)
    with pytest.raises(PermissionError):
        review_idle_stretch(installation.engine, me, stretch.start_ts, DISCARD, stretch.end)
    assert _work_time(installation, owner, day) == before
    assert my_idle_stretches(installation.engine, owner, day)[0].decision is None


def test_my_day_shows_the_collectors_idle_stretches_and_their_review(
    demo: Demo, installation: Storage
) -> None:
    username, person_id = employee_in_team(1)
    person = subject(installation.engine, person_id)
    stretch, day = _first_stretch(installation, person)
    stretches = my_idle_stretches(installation.engine, person, day)

    def my_day() -> AppTest:
        app = page_as("app/pages/my_day.py", account(username, demo.password))
        app.date_input(key="my-day").set_value(day.first).run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    app = my_day()
    shown = {m.label: m.value for m in app.metric}
    assert shown["Idle stretches"] == str(len(stretches))
    assert shown["Idle time"] == duration_text(sum(s.seconds for s in stretches))
    table = app.dataframe[0].value
    assert list(table["minutes"]) == [round(s.seconds / 60) for s in stretches]
    assert set(table["review"]) == {"not reviewed"}

    review_idle_stretch(installation.engine, person, stretch.start_ts, DISCARD, NOW)
    app = my_day()
    left = sum(s.seconds for s in stretches) - stretch.seconds
    assert {m.label: m.value for m in app.metric}["Idle time"] == duration_text(left)
    assert list(app.dataframe[0].value["review"]).count(DISCARD) == 1
