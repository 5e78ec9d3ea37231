"""The DPO's audit log page: sign-ins logged, names beside ids, filters by person, account
and date, views grouped, and a CSV with ISO times and neutralised cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from services.accounts import authenticate, record_sign_out, sign_in
from services.rights import file_request, load_actor
from services.rights.desk import view
from storage import Storage
from storage.db.schema import people
from tests.app.accounts import employee_in_team
from tests.app.conftest import Demo, RecordingStorage, downloaded, page_as
from traq.demo.accounts import DPO


def test_the_dpo_reads_who_did_what_by_name_and_exports_it(
    installation: Storage, demo: Demo, media: type[RecordingStorage]
) -> None:
    engine = installation.engine
    username, person_id = employee_in_team(1)
    now = datetime.now(UTC)
    assert sign_in(engine, username, "wrong password", now).account is None
    employee = authenticate(engine, username, demo.password)
    dpo = authenticate(engine, DPO, demo.password)
    assert employee is not None and dpo is not None
    with engine.begin() as c:
        request = file_request(c, load_actor(c, username), person_id, "access", now)
        name = c.scalar(select(people.c.display_name).where(people.c.id == person_id))
    with engine.begin() as c:
        dpo_actor = load_actor(c, DPO)
    for _ in range(3):
        view(engine, dpo_actor, request.id, now)

    page = page_as("app/pages/dpo_audit_log.py", dpo)
    page.selectbox[0].set_value(f"person:{person_id}").run()
    table = page.dataframe[0].value
    subjects = set(table["subject"])
    assert f"{name} (person:{person_id})" in subjects
    assert f"{username} (user:{employee.user_id})" in subjects  # their account's sign-ins
    assert "request.filed" in set(table["action"])
    assert "request.viewed (x3)" in set(table["action"])  # three views: one line
    assert "account.signed_in" in set(table["action"])
    assert "account.sign_in_failed" in set(table["action"])

    page.selectbox[1].set_value(f"user:{employee.user_id}").run()
    by_employee = page.dataframe[0].value
    assert set(by_employee["actor"]) == {f"{username} (user:{employee.user_id})"}

    rows = list(csv.DictReader(io.StringIO(downloaded(page, "audit-csv").decode())))
    assert rows and all(r["actor"] == f"user:{employee.user_id}" for r in rows)
    first = rows[0]
    assert datetime.fromisoformat(first["at_utc"]).utcoffset() is not None
    local = next(k for k in first if k.startswith("at_local"))
    assert datetime.fromisoformat(first[local]) == datetime.fromisoformat(first["at_utc"])
    assert first["subject_name"] == name


def test_a_period_before_the_installation_shows_nothing(installation: Storage, demo: Demo) -> None:
    dpo = authenticate(installation.engine, DPO, demo.password)
    page = page_as("app/pages/dpo_audit_log.py", dpo)
    page.date_input(key="audit-period").set_value((datetime(2020, 1, 1), datetime(2020, 1, 2)))
    page.run()
    assert page.info[0].value == "No entries match."


def test_the_action_filter_shows_sign_outs_and_nothing_else(
    installation: Storage, demo: Demo
) -> None:
    engine = installation.engine
    username, _ = employee_in_team(1)
    employee = authenticate(engine, username, demo.password)
    dpo = authenticate(engine, DPO, demo.password)
    assert employee is not None and dpo is not None
    record_sign_out(engine, employee.user_id, datetime.now(UTC))

    page = page_as("app/pages/dpo_audit_log.py", dpo)
    page.multiselect[0].set_value(["account.signed_out"]).run()
    table = page.dataframe[0].value
    assert set(table["action"]) == {"account.signed_out"}
    assert f"{username} (user:{employee.user_id})" in set(table["actor"])
