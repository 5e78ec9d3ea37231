"""The whole rights lifecycle in chromium (issue 17): an employee files, is refused and
withdraws; the DPO extends, exports (a real browser download, again after a reload),
erases and rejects. No page shows a traceback at any step.

Runs on a private copy of the demo installation: an erasure replaces the master key and
removes a person, which other tests of the session must not see.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from services.rights import file_request, load_actor
from storage.db.schema import OPEN_REQUEST_STATES, people, rights_requests, users
from tests.app.accounts import employee_in_team
from tests.app.browser import Browser, chromium, serving, shoot, sign_in
from tests.app.conftest import Demo, copy_installation, storage_of
from traq.demo.accounts import DPO

pytestmark = pytest.mark.slow
ERASED_REASON = "closed: the person's data was erased"


@pytest.fixture
def private_demo(demo: Demo, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a copy of the demo, where nobody has an open request."""
    data_dir = tmp_path / "traq-data"
    copy_installation(demo.data_dir, data_dir)
    key = tmp_path / "master.key"
    shutil.copy2(demo.env["TRAQ_MASTER_KEY_FILE"], key)
    env = demo.env | {
        "TRAQ_DATA_DIR": str(data_dir),
        "TRAQ_SPOOL_DIR": str(data_dir / "spool"),
        "TRAQ_MASTER_KEY_FILE": str(key),
    }
    storage = storage_of(env)
    with storage.engine.begin() as connection:  # earlier tests' requests: answered
        connection.execute(
            update(rights_requests)
            .where(rights_requests.c.state.in_(OPEN_REQUEST_STATES))
            .values(state="closed", closed_at=datetime.now(UTC), decision_reason="setup")
        )
    storage.close()
    yield env


def person_of(env: dict[str, str], username: str) -> dict[str, Any]:
    storage = storage_of(env)
    with storage.engine.connect() as connection:
        row = connection.execute(
            select(people.c.id, people.c.display_name, people.c.email)
            .join(users, users.c.person_id == people.c.id)
            .where(users.c.username == username)
        ).one()
    storage.close()
    return dict(row._mapping)


def filed_by(env: dict[str, str], username: str, person_id: int, kind: str) -> int:
    """A request filed through the rights functions (the browser files the others)."""
    storage = storage_of(env)
    with storage.engine.begin() as connection:
        actor = load_actor(connection, username)
        request_id = file_request(connection, actor, person_id, kind, datetime.now(UTC)).id
    storage.close()
    return request_id


def one_sentence(alert: str) -> None:
    assert alert.startswith("Not filed: ") and alert.endswith(".") and "\n" not in alert
    assert alert.count(". ") == 0 and len(alert) < 200, alert


def test_the_rights_lifecycle_in_chromium(
    demo: Demo, private_demo: dict[str, str], tmp_path: Path
) -> None:
    env = private_demo
    employee, _ = employee_in_team(2, skip=1)
    other, other_id = employee_in_team(3, skip=1)
    me, them = person_of(env, employee), person_of(env, other)
    to_reject = filed_by(env, other, other_id, "restriction")
    with serving(env) as url, chromium(accept_downloads=True) as context:
        tab = Browser(context.new_page(), tmp_path)
        sign_in(tab.page, url, employee, demo.password)
        tab.settled()
        tab.go("My rights requests")
        tab.page.get_by_role("heading", name="My rights requests").first.wait_for(timeout=60_000)
        tab.expand("File a request")  # the form lives in it: open it before choosing
        tab.choose("What do you ask for?", "Rectification")
        hostile = {
            "Correct time zone": ("Mars/Olympus_Mons", "time zone must be an IANA name"),
            "Correct e-mail": ("not-an-email", "e-mail must look like name@example.org"),
            "Correct name": ("N" * 20_000, "display name must be 1-200 characters"),
        }
        for label, (value, reason) in hostile.items():
            tab.type(label, value)
            tab.click("File the request")
            one_sentence(tab.says(reason))
            tab.type(label, "")
        assert not requests_of(env, me["id"], ("rectification",), every=True)

        tab.file("Access")
        found = re.search(r"#(\d+) filed", tab.says("filed; it is due by"))
        assert found is not None
        access = int(found.group(1))
        tab.file("Access")  # the same kind again
        tab.says(f"an access request is already open (request #{access})")
        for kind in ("Portability", "Restriction", "Erasure"):
            tab.file(kind)
        tab.choose("Follow request", "portability")
        tab.click("Withdraw this request")
        tab.says("withdrawn")
        shoot(tab.page, tmp_path, "employee-requests")

        sign_in(tab.page, url, DPO, demo.password)  # a new session: the DPO's
        tab.settled()
        listed = tab.choose("Work on request", f"#{access} access")
        assert any(me["display_name"] in o for o in listed), listed
        assert any(them["display_name"] in o for o in listed), listed
        assert not re.search(r"person \d", tab.page.locator("body").inner_text())
        dues = due_dates(env, [int(o.split()[0][1:]) for o in listed])
        assert dues == sorted(dues)  # the queue is sorted by due date
        heading = tab.page.get_by_role("heading", name=f"Request #{access}").inner_text()
        assert me["display_name"] in heading and "(GDPR)" in heading

        tab.expand("Extend the deadline (once)")
        tab.type("Reason for the extension (shown to the requester)", "many screenshots")
        tab.click("Extend")
        tab.says("extend done")
        tab.says("Reason: many screenshots")
        tab.click("Approve")
        tab.click("Produce the export (completes the request)")
        tab.says("now completed")
        # Completed, it left the "open" list, yet it stays in view with its download.
        tab.page.get_by_text("because you just acted on it").wait_for(timeout=15_000)
        first = tab.download("Download the export")
        contents(first, me)

        mine = Browser(context.new_page(), tmp_path)  # the employee downloads it too
        sign_in(mine.page, url, employee, demo.password)
        mine.settled()
        mine.go("My rights requests")
        mine.choose("Follow request", f"#{access} access")
        assert mine.download("Download my export") == first
        mine.page.close()

        tab.page.reload()  # a new session: signed out, the export still there
        sign_in(tab.page, url, DPO, demo.password)
        tab.settled()
        tab.choose("Standing", "all")
        tab.choose("Work on request", f"#{access} access")
        assert tab.download("Download the export") == first

        erasure, restriction = requests_of(env, me["id"], ("erasure", "restriction"))
        tab.choose("Work on request", f"#{erasure} erasure")
        tab.click("Approve")
        tab.choose("Work on request", f"#{erasure} erasure")
        tab.page.get_by_text("I checked there is no reason to keep the data").click()
        tab.settled()
        tab.click("Erase everything about this person (completes the request)")
        tab.says("erase done, now completed")
        tab.choose("Work on request", f"#{restriction} restriction, erased")
        tab.says(ERASED_REASON)
        state = tab.page.locator('[data-testid="stMetric"]').filter(has_text="State")
        assert state.inner_text().split() == ["State", "closed"]

        tab.choose("Standing", "open")
        tab.choose("Work on request", f"#{to_reject} restriction, {them['display_name']}")
        tab.expand("Reject or close")
        tab.type("Reason (shown to the requester)", "no restriction ground applies")
        tab.click("Reject")
        tab.says(f"Request #{to_reject}: reject done, now rejected")
        shoot(tab.page, tmp_path, "dpo-queue")
        assert tab.steps > 30


def contents(archive: bytes, person: dict[str, Any]) -> None:
    """The export names the person's own data."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        profile = json.loads(opened.read("data/profile.json"))
        assert [(p["display_name"], p["email"]) for p in profile] == [
            (person["display_name"], person["email"])
        ]
        assert json.loads(opened.read("manifest.json"))["kind"] == "access"


def due_dates(env: dict[str, str], ids: list[int]) -> list[datetime]:
    storage = storage_of(env)
    r = rights_requests.c
    with storage.engine.connect() as connection:
        rows = dict(
            connection.execute(
                select(r.id, func.coalesce(r.extended_due_at, r.due_at)).where(r.id.in_(ids))
            ).all()
        )
    storage.close()
    return [rows[i] for i in ids]


def requests_of(
    env: dict[str, str], person_id: int, kinds: tuple[str, ...], every: bool = False
) -> list[int]:
    """The ids of the person's open requests of ``kinds`` (``every``: of any state)."""
    storage = storage_of(env)
    r = rights_requests.c
    query = select(r.kind, r.id).where(r.person_id == person_id, r.kind.in_(kinds))
    if not every:
        query = query.where(r.state.in_(OPEN_REQUEST_STATES))
    with storage.engine.connect() as connection:
        found = dict(connection.execute(query).all())
    storage.close()
    return [found[k] for k in kinds if k in found]
