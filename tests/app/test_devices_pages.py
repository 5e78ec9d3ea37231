"""Connect a computer (employee) and Devices (admin), through the pages: a code, the
command, the device arriving with its last upload and a notice, then its revocation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from ingest.enrolment import authenticate as token_owner
from ingest.enrolment import enrol
from ingest.errors import Unauthorized
from services.accounts import authenticate
from storage import Storage
from storage.db.schema import devices, notices
from tests.app.accounts import employee_in_team
from tests.app.conftest import Demo, page_as
from traq.demo.accounts import ADMIN


def test_an_employee_connects_a_computer_and_an_admin_revokes_it(
    installation: Storage, demo: Demo
) -> None:
    engine = installation.engine
    username, person_id = employee_in_team(1)
    employee = authenticate(engine, username, demo.password)
    admin = authenticate(engine, ADMIN, demo.password)
    assert employee is not None and admin is not None

    connect = page_as("app/pages/connect.py", employee)
    connect.button(key="enrol-code").click().run()
    (command,) = [c.value for c in connect.code]
    assert command.startswith("TRAQ_INGEST_URL=") and " traq collect --enrol " in command
    code = command.rsplit(" ", 1)[1]
    with engine.begin() as c:  # what the ingestion service does with it
        enrolled = enrol(c, code, "ada-laptop", "linux", datetime.now(UTC))
    connect = page_as("app/pages/connect.py", employee)
    mine = connect.dataframe[0].value
    laptop = mine[mine["computer"] == "ada-laptop"]
    assert list(laptop["state"]) == ["sending"]
    with engine.connect() as c:
        kinds = list(c.execute(select(notices.c.kind).where(notices.c.person_id == person_id)))
    assert ("device.enrolled",) in kinds

    admin_page = page_as("app/pages/devices.py", admin)
    listed = admin_page.dataframe[0].value
    assert enrolled.auth.device_id in set(listed["device"])
    admin_page.selectbox(key="revoke-which").set_value(enrolled.auth.device_id)
    admin_page.button(key="revoke-go").click().run()
    assert admin_page.success[0].value.startswith(f"Device {enrolled.auth.device_id} revoked")
    with engine.connect() as c:
        assert c.scalar(select(devices.c.revoked_at).where(devices.c.id == enrolled.auth.device_id))
        with pytest.raises(Unauthorized, match="revoked"):  # the service refuses it now
            token_owner(c, enrolled.token)
    connect = page_as("app/pages/connect.py", employee)
    mine = connect.dataframe[0].value
    assert list(mine[mine["computer"] == "ada-laptop"]["state"]) == ["revoked"]
