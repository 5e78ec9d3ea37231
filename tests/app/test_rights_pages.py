"""Rights pages: employees file and follow their own requests, the DPO works the queue and
reads the audit log, exports reach their subject only."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from services.rights import Request, file_request, load_actor, transition
from services.rights.requests import OPEN_STATES
from storage import open_storage
from storage.db.schema import rights_requests
from tests.app.accounts import employee_in_team
from tests.app.conftest import Demo, signed_in

MINE = "app/pages/my_requests.py"
QUEUE = "app/pages/dpo_queue.py"
AUDIT = "app/pages/dpo_audit_log.py"
DPO = "ilse.marchetti"


def filed(username: str, person_id: int, kind: str, when: datetime | None = None) -> Request:
    """A request filed by the person themselves through the rights functions (an open one
    of that kind, left by an earlier test on the shared demo, is closed first: one open
    request per kind is the rule)."""
    storage = open_storage()
    try:
        with storage.engine.begin() as connection:
            actor, dpo = load_actor(connection, username), load_actor(connection, DPO)
            standing = connection.execute(
                select(rights_requests.c.id).where(
                    rights_requests.c.person_id == person_id,
                    rights_requests.c.kind == kind,
                    rights_requests.c.state.in_(OPEN_STATES),
                )
            ).scalars()
            for request_id in list(standing):
                transition(connection, dpo, request_id, "close", datetime.now(UTC), reason="setup")
            return file_request(connection, actor, person_id, kind, when or datetime.now(UTC))
    finally:
        storage.close()


def approve(request_id: int) -> None:
    storage = open_storage()
    try:
        with storage.engine.begin() as connection:
            dpo = load_actor(connection, DPO)
            transition(connection, dpo, request_id, "approve", datetime.now(UTC))
    finally:
        storage.close()


def on_page(app: AppTest, path: str, request_id: int | None = None) -> AppTest:
    if request_id is not None:
        app.query_params["request"] = str(request_id)
    app.switch_page(path).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def click(app: AppTest, label: str) -> AppTest:
    next(b for b in app.button if b.label == label).click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def work_on(app: AppTest, request_id: int) -> AppTest:
    """Select ``request_id`` in the DPO's queue, whatever its standing."""
    (standing,) = [box for box in app.selectbox if box.label == "Standing"]
    standing.set_value("all").run()
    (work,) = [box for box in app.selectbox if box.label == "Work on request"]
    work.set_value(request_id).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def table(app: AppTest, index: int = 0) -> list[dict[str, Any]]:
    rows = app.dataframe[index].value.to_dict("records")
    return [{str(k): v for k, v in row.items()} for row in rows]


def test_an_employee_files_a_request_and_follows_it(demo: Demo) -> None:
    name, _ = employee_in_team(1, skip=2)
    app = on_page(signed_in(name, demo.password), MINE)
    assert app.title[0].value == "My rights requests"
    app.selectbox[0].select("rectification").run()
    next(t for t in app.text_input if t.label == "Correct name").input("Ada Right")
    click(app, "File the request")
    assert app.success[0].value.startswith("Request #")
    request_id = int(app.success[0].value.split("#")[1].split()[0])
    assert any(r["request"] == request_id and r["state"] == "received" for r in table(app))
    assert app.metric[0].value == "received"
    assert json.loads(app.json[0].proto.body) == {"display_name": "Ada Right"}


def test_a_bad_correction_is_one_clear_error(demo: Demo) -> None:
    name, _ = employee_in_team(1, skip=2)
    app = on_page(signed_in(name, demo.password), MINE)
    app.selectbox[0].select("rectification").run()
    click(app, "File the request")
    assert [e.value for e in app.error] == [
        "Not filed: a rectification needs a profile field or an untracked range."
    ]


@pytest.mark.parametrize("asked", ["theirs", "missing", "abc"])
def test_an_employee_cannot_open_anyone_elses_request(demo: Demo, asked: str) -> None:
    name, _ = employee_in_team(1, skip=2)
    other, other_id = employee_in_team(1, skip=3)
    theirs = filed(other, other_id, "access")
    approve(theirs.id)
    value = {"theirs": str(theirs.id), "missing": "999999", "abc": "abc"}[asked]
    app = signed_in(name, demo.password)
    app.query_params["request"] = value
    app.switch_page(MINE).run()
    assert [e.value for e in app.error] == ["You may see only your own requests."]
    assert not app.dataframe and not app.get("download_button") and not app.metric


def test_dpo_decisions_reach_the_employee_with_their_reasons(demo: Demo) -> None:
    name, person_id = employee_in_team(2, skip=1)
    # One open request per kind: three kinds.
    approved, rejected, extended = (
        filed(name, person_id, kind) for kind in ("access", "portability", "restriction")
    )
    dpo = signed_in(DPO, demo.password)
    click(on_page(dpo, QUEUE, approved.id), "Approve")
    assert app_says(dpo, f"Request #{approved.id}: approve done, now approved")

    on_page(dpo, QUEUE, rejected.id)
    click(dpo, "Reject")
    assert dpo.error[0].value.startswith("Not done: to reject a request needs a reason")
    next(t for t in dpo.text_input if t.label.startswith("Reason (shown")).input(
        "We hold no data beyond your last export"
    )
    click(dpo, "Reject")
    assert app_says(dpo, f"Request #{rejected.id}: reject done, now rejected")

    on_page(dpo, QUEUE, extended.id)
    dpo.radio[0].set_value(1)
    next(t for t in dpo.text_input if t.label.startswith("Reason for the extension")).input(
        "Many screenshots to review"
    )
    click(dpo, "Extend")
    assert app_says(dpo, f"Request #{extended.id}: extend done")

    employee = signed_in(name, demo.password)
    states = {r["request"]: r for r in table(on_page(employee, MINE))}
    assert states[approved.id]["state"] == "approved"
    assert states[rejected.id]["state"] == "rejected"
    assert states[extended.id]["extended"] == "yes"
    employee.query_params["request"] = str(rejected.id)
    employee.run()
    assert "We hold no data beyond your last export" in employee.warning[0].value
    employee.query_params["request"] = str(extended.id)
    employee.run()
    assert "Reason: Many screenshots to review" in employee.info[0].value


def app_says(app: AppTest, text: str) -> bool:
    return any(text in s.value for s in app.success)


def test_overdue_requests_stand_out_in_the_queue(demo: Demo) -> None:
    name, person_id = employee_in_team(2, skip=2)
    late = filed(name, person_id, "portability", datetime.now(UTC) - timedelta(days=45))
    soon = filed(name, person_id, "access", datetime.now(UTC) - timedelta(days=26))
    dpo = on_page(signed_in(DPO, demo.password), QUEUE)
    metrics = {m.label: m.value for m in dpo.metric}
    assert int(metrics["Overdue"]) >= 1 and int(metrics["Due within a week"]) >= 1
    assert f"#{late.id}" in dpo.warning[0].value
    rows = {r["request"]: r for r in table(dpo)}
    assert rows[late.id]["standing"] == "OVERDUE" and rows[soon.id]["standing"] == "due soon"
    standing = next(s for s in dpo.selectbox if s.label == "Standing")
    standing.set_value("overdue").run()
    assert {r["standing"] for r in table(dpo)} == {"OVERDUE"}


def test_dpo_export_is_kept_for_its_subject_and_the_dpo_in_any_session(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self: Any, data: Any, mimetype: str, kind: Any, filename: Any = None) -> str:
        if filename and isinstance(data, bytes):
            served[filename] = data  # what the browser would download
        return original(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    name, person_id = employee_in_team(1, skip=4)
    request = filed(name, person_id, "access")
    approve(request.id)
    file_name = f"traqnext-export-{request.id}.zip"
    dpo = on_page(signed_in(DPO, demo.password), QUEUE, request.id)
    click(dpo, "Produce the export (completes the request)")
    assert app_says(dpo, "now completed")
    # Completed, it left the "open" list, yet it stays in view with its download.
    assert [b.proto.label for b in dpo.get("download_button")] == ["Download the export"]
    assert any("because you just acted on it" in c.value for c in dpo.caption)
    produced = served.pop(file_name)
    work_on(dpo, request.id)  # selected again: the same archive
    assert served.pop(file_name) == produced

    later = on_page(signed_in(DPO, demo.password), QUEUE)  # a new session, another day
    work_on(later, request.id)
    assert served.pop(file_name) == produced

    employee = on_page(signed_in(name, demo.password), MINE, request.id)
    assert [b.proto.label for b in employee.get("download_button")] == ["Download my export"]
    assert served[file_name] == produced  # the very archive the request was answered with
    archive = zipfile.ZipFile(io.BytesIO(produced))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["request"] == request.id and manifest["kind"] == "access"
    profile = json.loads(archive.read("data/profile.json"))
    assert [p["id"] for p in profile] == [person_id]

    other, _ = employee_in_team(1, skip=5)
    intruder = signed_in(other, demo.password)
    intruder.query_params["request"] = str(request.id)
    intruder.switch_page(MINE).run()
    assert [e.value for e in intruder.error] == ["You may see only your own requests."]
    assert not intruder.get("download_button")


def test_the_audit_log_page_verifies_the_chain_and_filters(demo: Demo) -> None:
    name, person_id = employee_in_team(2, skip=3)
    filed(name, person_id, "access")
    app = on_page(signed_in(DPO, demo.password), AUDIT)
    click(app, "Verify the chain")
    assert app.success[0].value.startswith("Chain intact:")
    entries = table(app)
    assert entries == sorted(entries, key=lambda e: -e["entry"])
    app.multiselect[0].set_value(["request.filed"]).run()
    assert {e["action"] for e in table(app)} == {"request.filed"}
