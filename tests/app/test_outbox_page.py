"""The DPO's Notices page: without a mail server, queued notices wait there to be read,
each with its status (a failed send shows its error)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from services.accounts import authenticate
from storage import Storage
from storage.db.schema import notices
from storage.notices import enqueue
from tests.app.conftest import ROOT, Demo
from traq.demo.accounts import DPO


def _outbox_page(account: object) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app/pages/dpo_outbox.py"), default_timeout=30)
    app.session_state["account"] = account
    app.session_state["last_seen"] = 10**10
    return app.run()


def test_waiting_notices_are_listed_and_read_on_the_page(
    installation: Storage, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAQ_SMTP_URL", raising=False)
    now = datetime.now(UTC)
    with installation.engine.begin() as c:
        c.execute(notices.delete())
        enqueue(c, "request.received", "ada@example.org", "TraqNext: received", "Body one", now)
        enqueue(c, "request.overdue", "dpo@example.org", "TraqNext: OVERDUE", "Body two", now)
        c.execute(
            update(notices).where(notices.c.subject == "TraqNext: OVERDUE").values(error="refused")
        )
    dpo = authenticate(installation.engine, DPO, demo.password)

    page = _outbox_page(dpo)
    assert not page.exception
    assert "No mail server is set" in page.info[0].value
    table = page.dataframe[0].value
    assert set(table["to"]) == {"ada@example.org", "dpo@example.org"}
    assert set(table["status"]) == {"waiting", "waiting (refused)"}
    bodies = set()
    for option in page.selectbox[0].options:
        page.selectbox[0].set_value(int(option.lstrip("#"))).run()
        bodies.add(page.text[0].value)
    assert bodies == {"Body one", "Body two"}
