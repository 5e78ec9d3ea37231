"""Employee pages: own time, own screenshots (decrypted, deletable), pause, consent."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from storage import Storage, open_storage
from storage.audit import person_ref
from storage.db.schema import audit_log, people, rights_requests, screenshots
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
    first = next(b.key for b in app.button if b.key and b.key.startswith("delete-"))
    app.button(key=first).click().run()  # one click asks; it deletes nothing
    assert not app.exception and count_shots(person_id) == before
    assert app.warning[0].value.startswith("Delete this screenshot for good?")
    app.button(key=f"keep-{first.removeprefix('delete-')}").click().run()
    assert count_shots(person_id) == before and not app.warning
    app.button(key=first).click().run()
    app.button(key=f"confirm-delete-{first.removeprefix('delete-')}").click().run()
    assert not app.exception
    assert count_shots(person_id) == before - 1
    storage = open_storage()
    with storage.engine.connect() as connection:
        query = select(audit_log.c.action).where(audit_log.c.subject_ref == f"person:{person_id}")
        actions = list(connection.execute(query).scalars())
    storage.close()
    assert "self.screenshots.viewed" in actions and "self.screenshot.deleted" in actions


def test_every_screenshot_of_mine_is_reachable_page_by_page(demo: Demo) -> None:
    name, person_id = employee_in_team(1)
    total = count_shots(person_id)
    assert total > 12, "the demo person needs more than one page of screenshots"
    app = signed_in(name, demo.password)
    app.switch_page("app/pages/my_screenshots.py").run()
    pages = app.number_input(key="shots-page")
    assert pages.max == -(-total // 12)
    seen: list[str] = []
    for page in range(1, int(pages.max) + 1):
        app.number_input(key="shots-page").set_value(page).run()
        assert not app.exception
        seen += [img.proto.imgs[0].caption for img in app.get("image")]
    assert len(seen) == total  # newest first, each exactly once
    # In the person's own time zone, as every other time they see, not in UTC.
    storage = open_storage()
    with storage.engine.connect() as connection:
        zone = connection.scalar(select(people.c.timezone).where(people.c.id == person_id))
        newest = connection.scalar(
            select(func.max(screenshots.c.taken_at)).where(screenshots.c.person_id == person_id)
        )
    storage.close()
    local = datetime.fromtimestamp(newest, ZoneInfo(zone))
    assert seen[0] == local.strftime("%Y-%m-%d %H:%M %Z") and "UTC" not in seen[0]
    assert seen == sorted(seen, reverse=True)


def test_pause_and_resume_reach_every_collector_of_mine_only(demo: Demo) -> None:
    from collector.sinks.embedded import EmbeddedSink
    from services.tracking import tracking_paused
    from storage.config import load_settings

    name, person_id = employee_in_team(1)
    _, other_id = employee_in_team(1, skip=1)
    storage = open_storage()
    sink = EmbeddedSink(load_settings())
    try:
        with storage.engine.connect() as connection:
            pseudonym = connection.execute(
                select(people.c.pseudonym).where(people.c.id == person_id)
            ).scalar_one()
        app = signed_in(name, demo.password)
        app.switch_page("app/pages/tracking.py").run()
        app.main.button[0].click()
        app.run()
        assert app.warning[0].value.startswith("Tracking is paused")
        assert tracking_paused(storage.engine, person_id)
        assert not tracking_paused(storage.engine, other_id)
        assert sink.subject_state(pseudonym).paused  # what the collector reads every minute
        app.main.button[0].click()
        app.run()
        assert not tracking_paused(storage.engine, person_id)
        assert not sink.subject_state(pseudonym).paused
        with storage.engine.connect() as connection:
            actions = (
                connection.execute(
                    select(audit_log.c.action).where(
                        audit_log.c.subject_ref == f"person:{person_id}"
                    )
                )
                .scalars()
                .all()
            )
        assert actions[-2:] == ["self.tracking_paused", "self.tracking_resumed"]
    finally:
        sink.close()
        storage.close()


def test_withdrawing_and_giving_consent_are_audited_and_change_only_consent(demo: Demo) -> None:
    name, person_id = employee_in_team(3)  # Legal: below k, so no dashboard changes
    app = signed_in(name, demo.password)
    app.switch_page("app/pages/consent.py").run()
    assert app.metric[0].value == "given"
    app.checkbox[0].check()
    app.run()
    app.main.button[0].click()
    app.run()
    assert app.metric[0].value == "withdrawn"
    assert app.success[0].value.startswith("Consent withdrawn (request #")
    storage = open_storage()
    try:
        with storage.engine.connect() as connection:
            row = connection.execute(select(people).where(people.c.id == person_id)).one()
            filed = (
                connection.execute(
                    select(rights_requests.c.kind).where(rights_requests.c.person_id == person_id)
                )
                .scalars()
                .all()
            )
        assert row.consent == "withdrawn" and not row.objected and not row.restricted
        assert "consent_withdrawal" in filed  # the DPO sees it in the queue
        assert _actions_about(storage, person_id)[-2:] == ["request.filed", "consent.withdrawn"]
        app.checkbox[0].check()
        app.run()
        app.main.button[0].click()
        app.run()
        assert app.metric[0].value == "given"
        with storage.engine.connect() as connection:
            again = connection.execute(select(people).where(people.c.id == person_id)).one()
        assert again.consent == "given" and not again.objected and not again.restricted
        assert _actions_about(storage, person_id)[-1] == "consent.given"
    finally:
        storage.close()


def _actions_about(storage: Storage, person_id: int) -> list[str]:
    """The audit log's actions about ``person_id``, oldest first."""
    with storage.engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.action)
            .where(audit_log.c.subject_ref == person_ref(person_id))
            .order_by(audit_log.c.seq)
        ).scalars()
        return list(rows)
