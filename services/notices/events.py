"""Queue the notice for each event, in the caller's transaction (see the package doc)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select

from storage.accounts import find_user
from storage.db.schema import OPEN_REQUEST_STATES, rights_requests
from storage.notices import device_enrolled, enqueue, person_email
from storage.policies import load_policies

DUE_SOON = timedelta(days=7)
SIGN_OFF = "\n\nTraqNext (this message holds no tracked data; sign in to see more)."

__all__ = [
    "deadline_reminders",
    "device_enrolled",
    "failed_sign_ins",
    "request_answered",
    "request_extended",
    "request_received",
]


def _words(kind: str) -> str:
    return kind.replace("_", " ")


def _to_person(
    connection: Connection, kind: str, person_id: int, subject: str, body: str, now: datetime
) -> bool:
    """Queue one notice to the person's own address (none without one)."""
    email = person_email(connection, person_id)
    return enqueue(connection, kind, email, subject, body + SIGN_OFF, now, person_id=person_id)


def request_received(
    connection: Connection, person_id: int, request_id: int, kind: str, due: datetime, now: datetime
) -> bool:
    """To the person: their request arrived, and when it is due."""
    subject = f"TraqNext: your {_words(kind)} request #{request_id} was received"
    body = (
        f"Your {_words(kind)} request (#{request_id}) was received on {now:%Y-%m-%d}. "
        f"It will be answered by {due:%Y-%m-%d}."
    )
    return _to_person(connection, "request.received", person_id, subject, body, now)


def request_extended(
    connection: Connection,
    person_id: int,
    request_id: int,
    kind: str,
    due: datetime,
    reason: str,
    now: datetime,
) -> bool:
    """To the person: the deadline moved, why, and the new date."""
    subject = f"TraqNext: your {_words(kind)} request #{request_id} needs more time"
    body = (
        f"The answer to your {_words(kind)} request (#{request_id}) now comes by "
        f"{due:%Y-%m-%d}. The reason: {reason}"
    )
    return _to_person(connection, "request.extended", person_id, subject, body, now)


def request_answered(
    connection: Connection,
    person_id: int,
    request_id: int,
    kind: str,
    state: str,
    reason: str | None,
    now: datetime,
) -> bool:
    """To the person: their request was completed, rejected or closed (with the reason)."""
    subject = f"TraqNext: your {_words(kind)} request #{request_id} was {state}"
    because = f" The reason: {reason}" if reason else ""
    body = f"Your {_words(kind)} request (#{request_id}) was {state}.{because}"
    return _to_person(connection, f"request.{state}", person_id, subject, body, now)


def dpo_address(connection: Connection) -> str | None:
    """The DPO's e-mail address: the policy's data_protection_officer contact, if one."""
    contact = str(load_policies(connection)["data_protection_officer"].get("contact", ""))
    return contact if "@" in contact and " " not in contact.strip() else None


def deadline_reminders(connection: Connection, now: datetime) -> int:
    """To the DPO, once each: open requests due within a week, and overdue ones."""
    address = dpo_address(connection)
    if address is None:
        return 0
    rows = connection.execute(
        select(
            rights_requests.c.id,
            rights_requests.c.kind,
            rights_requests.c.due_at,
            rights_requests.c.extended_due_at,
        ).where(rights_requests.c.state.in_(OPEN_REQUEST_STATES))
    )
    queued = 0
    for row in rows:
        deadline = row.extended_due_at or row.due_at
        if now > deadline:
            when, state = "overdue", f"was due on {deadline:%Y-%m-%d} and is OVERDUE"
        elif deadline - DUE_SOON <= now:
            when, state = "due_soon", f"is due on {deadline:%Y-%m-%d}"
        else:
            continue
        subject = f"TraqNext: {_words(row.kind)} request #{row.id} {state.split(' and ')[-1]}"
        body = (
            f"Rights request #{row.id} ({_words(row.kind)}) {state}. "
            "Answer it or, within the first period, extend it in the request queue." + SIGN_OFF
        )
        queued += enqueue(
            connection, f"request.{when}", address, subject, body, now, once=f"{when}:{row.id}"
        )
    return queued


def failed_sign_ins(engine: Engine, username: str, failures: int, now: datetime) -> bool:
    """To the account's person: repeated failed sign-ins (the sign-in page calls it once
    per run of failures). Names are compared ignoring case, as at sign-in."""
    with engine.begin() as connection:
        account = find_user(connection, username)
        if account is None or account.person_id is None:
            return False
        subject = "TraqNext: repeated failed sign-ins on your account"
        body = (
            f"{failures} sign-ins with a wrong password were tried on your TraqNext account "
            f"(last on {now:%Y-%m-%d at %H:%M} UTC). If this was not you, tell your data "
            "protection officer or an administrator."
        )
        return _to_person(connection, "sign_in.failed", int(account.person_id), subject, body, now)
