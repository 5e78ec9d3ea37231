"""Notices by e-mail through a real SMTP server on loopback (aiosmtpd): what the person and
the DPO receive, once each, with no tracked data; a server that is down loses nothing."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine, insert, select, update

from services.notices import deadline_reminders, deliver_pending, smtp_settings
from services.rights import file_request, load_actor, transition
from services.rights.requests import extend
from storage.db.schema import app_spans, notices, people
from storage.policies import set_policy
from tests.rights.conftest import Org

NOW = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
SECRET_APP = "SecretProjectX.exe"


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        content = envelope.content  # type: ignore[attr-defined]
        self.messages.append(message_from_bytes(content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accept_traq(
    server: object, session: object, envelope: object, mechanism: str, data: object
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"traq", b"s3cret")
    return AuthResult(success=ok)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback that requires AUTH (plain text: loopback only)."""
    inbox, port = Inbox(), _free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=_accept_traq,
        auth_required=True, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    yield inbox, port
    controller.stop()


def _setup(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        c.execute(update(people).where(people.c.id == org.alice).values(email="alice@example.org"))
        contact = {"name": "Dora DPO", "contact": "dpo@example.org"}
        set_policy(c, "data_protection_officer", contact, "test", NOW)
        c.execute(
            insert(app_spans).values(
                person_id=org.alice, device_id=1, start_ts=1, end_ts=61, app=SECRET_APP
            )
        )


def test_the_person_and_the_dpo_get_their_notices_once_and_without_tracked_data(
    engine: Engine, org: Org, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    _setup(engine, org)
    with engine.begin() as c:
        alice, dpo = load_actor(c, "alice"), load_actor(c, "dora")
        first = file_request(c, alice, org.alice, "access", NOW)
        second = file_request(c, alice, org.alice, "portability", NOW)
        extend(c, dpo, first.id, 2, "many systems to search", NOW)
        transition(c, dpo, second.id, "reject", NOW, reason="we hold no such data")
        file_request(c, alice, org.alice, "erasure", NOW)
    for _ in range(2):  # the scheduler asks every minute: each reminder is queued once
        with engine.begin() as c:
            deadline_reminders(c, NOW + timedelta(days=25))
    settings = smtp_settings({"TRAQ_SMTP_URL": f"smtp://traq:s3cret@127.0.0.1:{port}"})
    report = deliver_pending(engine, settings, NOW)

    assert (report.sent, report.failed) == (6, 0)
    received = [(m["To"], m["Subject"]) for m in inbox.messages]
    to_alice = [s for to, s in received if to == "alice@example.org"]
    assert len(to_alice) == 5
    assert any("needs more time" in s for s in to_alice)
    assert any(f"#{second.id} was rejected" in s for s in to_alice)
    assert [s for to, s in received if to == "dpo@example.org"] == [
        f"TraqNext: erasure request #{second.id + 1} is due on 2026-02-28"
    ]
    bodies = "\n".join(m.get_content() for m in inbox.messages)  # type: ignore[attr-defined]
    assert "many systems to search" in bodies and "we hold no such data" in bodies
    assert SECRET_APP not in bodies and "Europe/Paris" not in bodies
    assert deliver_pending(engine, settings, NOW).sent == 0  # nothing is sent twice


def test_a_mail_server_that_is_down_loses_nothing(engine: Engine, org: Org) -> None:
    _setup(engine, org)
    with engine.begin() as c:
        file_request(c, load_actor(c, "alice"), org.alice, "access", NOW)
    port = _free_port()  # nothing listens there
    settings = smtp_settings({"TRAQ_SMTP_URL": f"smtp://127.0.0.1:{port}"})
    report = deliver_pending(engine, settings, NOW)
    assert (report.sent, report.failed) == (0, 1)
    with engine.connect() as c:
        row = c.execute(select(notices.c.sent_at, notices.c.error, notices.c.attempts)).one()
    assert row.sent_at is None and row.attempts == 1 and "Connection" in row.error

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert deliver_pending(engine, settings, NOW).sent == 1
    finally:
        controller.stop()
    assert [m["To"] for m in inbox.messages] == ["alice@example.org"]


def test_without_a_mail_server_notices_wait_in_the_outbox(engine: Engine, org: Org) -> None:
    _setup(engine, org)
    with engine.begin() as c:
        file_request(c, load_actor(c, "alice"), org.alice, "access", NOW)
    assert smtp_settings({}) is None
    assert deliver_pending(engine, None, NOW).sent == 0
    with engine.connect() as c:
        waiting = c.execute(select(notices.c.recipient, notices.c.sent_at)).all()
    assert [tuple(w) for w in waiting] == [("alice@example.org", None)]
