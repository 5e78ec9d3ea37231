"""The DPO desk's lifecycle through the real pages: an admin sets a person's law, the
person files and withdraws, the DPO sees the law and a name and closes a request."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from services.accounts import authenticate
from storage import Storage
from storage.db.schema import people, rights_requests
from tests.app.accounts import employee_in_team
from tests.app.conftest import Demo, page_as
from traq.demo.accounts import ADMIN, DPO


def test_law_withdrawal_and_closing_through_the_pages(installation: Storage, demo: Demo) -> None:
    engine = installation.engine
    username, person_id = employee_in_team(1)
    admin = authenticate(engine, ADMIN, demo.password)
    employee = authenticate(engine, username, demo.password)
    dpo = authenticate(engine, DPO, demo.password)
    assert admin and employee and dpo

    people_page = page_as("app/pages/people.py", admin)
    people_page.selectbox(key="law-who").set_value(person_id)
    people_page.selectbox(key="law-which").set_value("CCPA")
    people_page.button(key="law-go").click()
    people_page.run()
    assert people_page.success[0].value.startswith("Jurisdiction saved: CCPA")

    mine = page_as("app/pages/my_requests.py", employee)
    mine.selectbox[0].set_value("access")
    mine.button[0].click()
    mine.run()
    with engine.connect() as c:
        filed = c.execute(
            select(rights_requests).where(rights_requests.c.person_id == person_id)
        ).one()
    assert filed.due_at - filed.received_at == timedelta(days=45)
    mine.button(key="withdraw").click()
    mine.run()
    assert not mine.exception
    with engine.connect() as c:
        state = c.scalar(select(rights_requests.c.state).where(rights_requests.c.id == filed.id))
    assert state == "withdrawn"

    mine = page_as("app/pages/my_requests.py", employee)
    mine.selectbox[0].set_value("portability")
    mine.button[0].click()
    mine.run()
    queue = page_as("app/pages/dpo_queue.py", dpo)
    with engine.connect() as c:
        name = c.scalar(select(people.c.display_name).where(people.c.id == person_id))
        second = c.scalar(
            select(rights_requests.c.id).where(
                rights_requests.c.person_id == person_id, rights_requests.c.state == "received"
            )
        )
    (work,) = [box for box in queue.selectbox if box.label == "Work on request"]
    work.set_value(second)
    queue.run()
    heading = queue.subheader[0].value
    assert name in heading.replace("\\", "") and "(CCPA)" in heading
    queue.text_input(key="end-reason").input("answered by letter")
    queue.button(key="close").click()
    queue.run()
    assert not queue.exception
    with engine.connect() as c:
        row = c.execute(
            select(rights_requests.c.state, rights_requests.c.decision_reason).where(
                rights_requests.c.id == second
            )
        ).one()
    assert tuple(row) == ("closed", "answered by letter")
