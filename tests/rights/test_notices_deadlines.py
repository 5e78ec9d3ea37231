"""Deadline notices to the DPO: a week before, then once overdue, each queued once however
often the scheduled run asks; an extension moves the deadline; answered requests are quiet."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from services.notices import deadline_reminders
from services.rights import file_request, load_actor, transition
from services.rights.requests import extend
from storage.db.schema import notices
from tests.rights.conftest import Org
from tests.rights.test_notices import NOW, SECRET_APP, _setup


def _to_dpo(engine: Engine) -> list[str]:
    with engine.connect() as c:
        query = select(notices.c.subject).where(notices.c.recipient == "dpo@example.org")
        return list(c.execute(query.order_by(notices.c.id)).scalars())


def _tick(engine: Engine, days: int) -> None:
    for _ in range(2):  # the scheduler runs every minute: asking twice queues nothing more
        with engine.begin() as c:
            deadline_reminders(c, NOW + timedelta(days=days))


def test_a_request_is_due_soon_then_overdue_once_each(engine: Engine, org: Org) -> None:
    _setup(engine, org)
    with engine.begin() as c:
        request = file_request(c, load_actor(c, "alice"), org.alice, "access", NOW)
    _tick(engine, 10)
    assert _to_dpo(engine) == []
    _tick(engine, 25)
    _tick(engine, 40)
    _tick(engine, 41)
    assert _to_dpo(engine) == [
        f"TraqNext: access request #{request.id} is due on 2026-02-28",
        f"TraqNext: access request #{request.id} is OVERDUE",
    ]
    with engine.connect() as c:
        bodies = "\n".join(c.execute(select(notices.c.body)).scalars())
    assert SECRET_APP not in bodies


def test_an_extended_request_is_not_overdue_and_an_answered_one_is_quiet(
    engine: Engine, org: Org
) -> None:
    _setup(engine, org)
    with engine.begin() as c:
        alice, dpo = load_actor(c, "alice"), load_actor(c, "dora")
        extended = file_request(c, alice, org.alice, "access", NOW)
        answered = file_request(c, alice, org.alice, "portability", NOW)
        extend(c, dpo, extended.id, 2, "many systems to search", NOW)
        transition(c, dpo, answered.id, "reject", NOW, reason="we hold no such data")
    _tick(engine, 40)
    assert _to_dpo(engine) == []
