"""The notice about repeated failed sign-ins: queued to the account's person, naming the
count and the time only (no tracked data); nothing for an unknown name."""

from __future__ import annotations

from sqlalchemy import Engine, select

from services.notices import failed_sign_ins
from storage.db.schema import notices
from tests.rights.conftest import Org
from tests.rights.test_notices import NOW, SECRET_APP, _setup


def test_repeated_failed_sign_ins_are_told_to_the_account_holder(engine: Engine, org: Org) -> None:
    _setup(engine, org)
    assert failed_sign_ins(engine, "alice", 5, NOW)
    with engine.connect() as c:
        [row] = c.execute(select(notices.c.recipient, notices.c.subject, notices.c.body)).all()
    assert row.recipient == "alice@example.org"
    assert "repeated failed sign-ins" in row.subject
    assert "5 sign-ins with a wrong password" in row.body and "2026-01-31 at 10:00" in row.body
    assert SECRET_APP not in row.body


def test_an_unknown_name_queues_nothing(engine: Engine, org: Org) -> None:
    assert not failed_sign_ins(engine, "nobody-such", 5, NOW)
    with engine.connect() as c:
        assert c.execute(select(notices.c.id)).all() == []
