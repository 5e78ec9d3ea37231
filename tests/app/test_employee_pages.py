"""Employee pages: own time, own screenshots (decrypted, deletable), pause, consent."""

from __future__ import annotations

from sqlalchemy import func, select

from storage import open_storage
from storage.db.schema import audit_log, people, screenshots
from tests.app.accounts import employee_in_team
from tests.app.conftest import Demo, signed_in


def count_shots(person_id: int) -> int:
    storage = open_storage()
    try:
        with storage.engine.connect() as connection:
            query = select(func.count()).where(screenshots.c.person_id == person_id)
            return int(connection.execute(query.select_from(screenshots)).scalar_one())
    finally:
        storage.close()


def test_my_day_and_week_show_own_time(demo: Demo) -> None:
    name, _ = employee_in_team(1)
    app = signed_in(name, demo.password)
    assert app.title[0].value == "My day"
    labels = [m.label for m in app.metric]
    assert labels == ["Work time", "Active time", "Idle time", "Idle stretches"]
    assert len(app.get("plotly_chart")) == 2
    app.switch_page("app/pages/my_week.py").run()
    assert float(app.metric[0].value.removesuffix(" h")) > 10


def test_my_screenshots_are_decrypted_for_me_and_can_be_deleted(demo: Demo) -> None:
    name, person_id = employee_in_team(2)
    app = signed_in(name, demo.password)
    app.switch_page("app/pages/my_screenshots.py").run()
    images = app.get("image")
    assert images, "no screenshot shown"
    before = count_shots(person_id)
    app.button(key=next(b.key for b in app.button if b.key and b.key.startswith("delete-"))).click()
    app.run()
    assert not app.exception
    assert count_shots(person_id) == before - 1
    storage = open_storage()
    with storage.engine.connect() as connection:
        query = select(audit_log.c.action).where(audit_log.c.subject_ref == f"person:{person_id}")
        actions = list(connection.execute(query).scalars())
    storage.close()
    assert "self.screenshots.viewed" in actions and "self.screenshot.deleted" in actions


def test_pause_and_resume_set_and_clear_the_collector_flag(demo: Demo) -> None:
    name, _ = employee_in_team(1)
    flag = demo.data_dir / "spool" / "paused"
    app = signed_in(name, demo.password)
    app.switch_page("app/pages/tracking.py").run()
    app.main.button[0].click()
    app.run()
    assert flag.exists()
    assert app.warning[0].value.startswith("Tracking is paused")
    app.main.button[0].click()
    app.run()
    assert not flag.exists()


def test_withdrawing_consent_sets_withdrawn_only(demo: Demo) -> None:
    name, person_id = employee_in_team(3)  # Legal: below k, so no dashboard changes
    app = signed_in(name, demo.password)
    app.switch_page("app/pages/consent.py").run()
    assert app.metric[0].value == "given"
    app.checkbox[0].check()
    app.run()
    app.main.button[0].click()
    app.run()
    assert app.metric[0].value == "withdrawn"
    storage = open_storage()
    with storage.engine.connect() as connection:
        row = connection.execute(select(people).where(people.c.id == person_id)).one()
    storage.close()
    assert row.consent == "withdrawn" and not row.objected and not row.restricted
