"""The DPO's data-grants page: give, list and revoke grants of per-person rows (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from storage.db.schema import audit_log
from storage.facade import Storage
from tests.app.accounts import account
from tests.app.conftest import Demo, page_as

PAGE = "app/pages/dpo_grants.py"
DPO = "ilse.marchetti"


def _actions(storage: Storage) -> list[str]:
    with storage.engine.connect() as connection:
        return list(connection.execute(select(audit_log.c.action)).scalars())


def _give(app: AppTest, purpose: str) -> AppTest:
    app.text_input[0].input(purpose)
    today = datetime.now(UTC).date()
    app.date_input(key="grant-from").set_value(today - timedelta(days=14))
    app.date_input(key="grant-to").set_value(today - timedelta(days=7))
    app.date_input(key="grant-until").set_value(today + timedelta(days=10))
    app.button[-1].click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_dpo_gives_lists_and_revokes_a_grant(demo: Demo, installation: Storage) -> None:
    app = page_as(PAGE, account(DPO, demo.password))
    assert not app.exception and not app.error
    assert "No grant" in app.info[0].value
    analyst = str(app.selectbox[-1].value)
    assert DPO not in app.selectbox[-1].options  # never to the DPO's own account
    assert not [o for o in app.selectbox[-1].options if o.startswith("manager")]

    _give(app, "capacity study")
    assert not app.error, [e.value for e in app.error]
    table = app.dataframe[0].value
    (row,) = table.to_dict("records")
    assert row["account"] == analyst and row["purpose"] == "capacity study"
    assert row["state"] == "live"
    assert _actions(installation)[-1] == "grant.given"

    app.button(key="revoke-grant").click().run()
    assert not app.exception and not app.error
    assert app.dataframe[0].value.to_dict("records")[0]["state"] == "revoked"
    assert _actions(installation)[-1] == "grant.revoked"
    assert not app.get("selectbox") or "revoke-grant-id" not in [
        s.key for s in app.selectbox
    ]  # nothing left to revoke


def test_a_grant_without_a_purpose_is_refused_and_nothing_written(
    demo: Demo, installation: Storage
) -> None:
    app = _give(page_as(PAGE, account(DPO, demo.password)), "   ")
    assert "purpose" in app.error[0].value
    assert "grant.given" not in _actions(installation)
    assert "No grant" in app.info[0].value
