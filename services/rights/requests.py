"""The rights-request lifecycle, with access checks and an audit entry for every step.

    received -> in_review -> approved -> in_progress -> completed
    every open state -> rejected (with a reason), closed (with a reason, by the DPO or
    by the person's erasure) or withdrawn (by the person who filed it)

A person has at most one open request of each kind: a second is refused with the open one's
id, so no duplicate goes overdue unnoticed.

Consent withdrawal and objection take effect when filed, before any review. Every function
takes the acting account and ``now``, and runs in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from services.errors import AccessDenied, InvalidTransition, RequestNotFound
from services.notices.events import request_answered, request_extended, request_received
from services.rights.access import Actor, check_filing, check_subject, require_dpo, require_person
from services.rights.deadlines import Law, due_for, extended_for, law_named, urgency
from storage import audit
from storage.consent import stop_capture
from storage.db.schema import OPEN_REQUEST_STATES, REQUEST_KINDS, people, rights_requests
from storage.policies import load_policies

OPEN_STATES = OPEN_REQUEST_STATES
MAX_REASON = 1000
# action -> (states it applies to, state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "review": (("received",), "in_review"),
    "approve": (("received", "in_review"), "approved"),
    "reject": (OPEN_STATES, "rejected"),
    "start": (("approved",), "in_progress"),
    "complete": (("approved", "in_progress"), "completed"),
    "close": (OPEN_STATES, "closed"),
}
NEEDS_REASON = ("reject", "close")  # the reason is shown to the requester
CLOSED_STATES = ("rejected", "completed", "closed", "withdrawn")
# Kinds whose effect on the person's flags is immediate, when filed.
IMMEDIATE: dict[str, tuple[dict[str, Any], str]] = {
    "consent_withdrawal": ({"consent": "withdrawn"}, "consent.withdrawn"),
    "objection": ({"objected": True}, "processing.objected"),
}


@dataclass(frozen=True)
class Request:
    """One rights request as the requester and the DPO see it."""

    id: int
    person_id: int | None
    kind: str
    state: str
    received_at: datetime
    due_at: datetime
    extended_due_at: datetime | None
    extension_reason: str | None
    identity_verification: str | None
    decision_reason: str | None
    details: dict[str, Any]
    closed_at: datetime | None

    def flags(self, now: datetime) -> dict[str, Any]:
        """Deadline, overdue and due-soon at ``now``."""
        u = urgency(self.due_at, self.extended_due_at, self.closed_at is not None, now)
        return {"deadline": u.deadline, "overdue": u.overdue, "due_soon": u.due_soon}

    def to_json(self, now: datetime) -> dict[str, Any]:
        """Stable JSON for `--json` output (times as ISO 8601 UTC)."""
        data = {**self.__dict__, **self.flags(now)}
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


def load_request(connection: Connection, request_id: int) -> Request:
    """The request ``request_id`` without any access check (callers check; not audited)."""
    row = connection.execute(
        select(rights_requests).where(rights_requests.c.id == request_id)
    ).first()
    if row is None:
        raise RequestNotFound(f"no rights request with id {request_id}")
    values = {name: getattr(row, name) for name in Request.__dataclass_fields__}
    values["details"] = dict(row.details or {})
    return Request(**values)


def _record(
    connection: Connection, actor: Actor, action: str, request: Request, now: datetime, **extra: Any
) -> None:
    subject = audit.person_ref(request.person_id) if request.person_id is not None else None
    details = {"request": request.id, "kind": request.kind, **extra}
    audit.append(connection, actor.ref, action, subject, details, now)


def file_request(
    connection: Connection,
    actor: Actor,
    person_id: int,
    kind: str,
    now: datetime,
    *,
    identity_verification: str | None = None,
    details: dict[str, Any] | None = None,
) -> Request:
    """File a request for ``person_id`` (see ``access.check_filing``); apply immediate effects."""
    if kind not in REQUEST_KINDS:
        raise InvalidTransition(f"kind must be one of {', '.join(REQUEST_KINDS)}, got {kind!r}")
    check_filing(actor, person_id, identity_verification)
    require_person(connection, person_id)
    standing = connection.execute(
        select(rights_requests.c.id).where(
            rights_requests.c.person_id == person_id,
            rights_requests.c.kind == kind,
            rights_requests.c.state.in_(OPEN_STATES),
        )
    ).scalar()
    if standing is not None:
        named = kind.replace("_", " ")
        article = "an" if named[0] in "aeiou" else "a"
        raise InvalidTransition(
            f"{article} {named} request is already open (request #{standing}); it is being answered"
        )
    law = jurisdiction_of(connection, person_id)
    result = connection.execute(
        insert(rights_requests).values(
            person_id=person_id,
            kind=kind,
            state="received",
            received_at=now,
            due_at=due_for(law, now),
            filed_by_user_id=actor.user_id,
            identity_verification=identity_verification if actor.is_dpo else "signed-in account",
            details={**(details or {}), "law": law.name},
        )
    )
    request = load_request(connection, int(result.inserted_primary_key[0]))  # type: ignore[index]
    _record(connection, actor, "request.filed", request, now, on_behalf=actor.is_dpo)
    request_received(connection, person_id, request.id, kind, request.due_at, now)
    if kind in IMMEDIATE:
        flags, action = IMMEDIATE[kind]
        connection.execute(update(people).where(people.c.id == person_id).values(**flags))
        stop_capture(connection, person_id, now)  # the server stores nothing captured later
        _record(connection, actor, action, request, now)
    return request


def jurisdiction_of(connection: Connection, person_id: int) -> Law:
    """The law whose deadlines apply to ``person_id``'s requests."""
    own = connection.execute(select(people.c.jurisdiction).where(people.c.id == person_id)).scalar()
    return law_named(own or load_policies(connection)["default_jurisdiction"])


def get_request(connection: Connection, actor: Actor, request_id: int, now: datetime) -> Request:
    """One request, if ``actor`` may see it; the access is audited."""
    request = load_request(connection, request_id)
    check_subject(actor, request.person_id)
    _record(connection, actor, "request.viewed", request, now)
    return request


def list_requests(
    connection: Connection,
    actor: Actor,
    now: datetime,
    *,
    open_only: bool = False,
    kind: str | None = None,
) -> list[Request]:
    """The DPO's queue (every request) or a person's own requests, oldest deadline first."""
    query = select(rights_requests.c.id)
    if not actor.is_dpo:
        check_subject(actor, actor.person_id)
        query = query.where(rights_requests.c.person_id == actor.person_id)
    if open_only:
        query = query.where(rights_requests.c.state.in_(OPEN_STATES))
    if kind is not None:
        query = query.where(rights_requests.c.kind == kind)
    found = [load_request(connection, rid) for rid in connection.execute(query).scalars()]
    found.sort(key=lambda r: (r.closed_at is not None, r.flags(now)["deadline"], r.id))
    subject = None if actor.is_dpo else audit.person_ref(actor.person_id or 0)
    audit.append(connection, actor.ref, "requests.listed", subject, {"count": len(found)}, now)
    return found


def transition(
    connection: Connection,
    actor: Actor,
    request_id: int,
    action: str,
    now: datetime,
    *,
    reason: str | None = None,
) -> Request:
    """Move a request on by ``action`` (review, approve, reject, start, complete, close)."""
    require_dpo(actor)
    request = load_request(connection, request_id)
    sources, target = TRANSITIONS[action]
    if request.state not in sources:
        raise InvalidTransition(
            f"request {request_id} is {request.state}; {action} needs {' or '.join(sources)}"
        )
    if action in NEEDS_REASON and not (reason or "").strip():
        raise InvalidTransition(f"to {action} a request needs a reason (the requester sees it)")
    values: dict[str, Any] = {"state": target}
    if reason:
        values["decision_reason"] = " ".join(reason.split())[:MAX_REASON]
    if target in CLOSED_STATES:
        values["closed_at"] = now
    connection.execute(
        update(rights_requests).where(rights_requests.c.id == request_id).values(**values)
    )
    _record(connection, actor, f"request.{target}", request, now, previous=request.state)
    if target in CLOSED_STATES and request.person_id is not None:
        request_answered(
            connection, request.person_id, request_id, request.kind, target, reason, now
        )
    return load_request(connection, request_id)


def withdraw(connection: Connection, actor: Actor, request_id: int, now: datetime) -> Request:
    """The person who filed an open request withdraws it (nothing more is done with it)."""
    request = load_request(connection, request_id)
    if actor.person_id is None or request.person_id != actor.person_id:
        raise AccessDenied("only the person a request is about can withdraw it")
    if request.state not in OPEN_STATES:
        raise InvalidTransition(f"request {request_id} is {request.state}; nothing to withdraw")
    connection.execute(
        update(rights_requests)
        .where(rights_requests.c.id == request_id)
        .values(state="withdrawn", closed_at=now)
    )
    _record(connection, actor, "request.withdrawn", request, now, previous=request.state)
    return load_request(connection, request_id)


def extend(
    connection: Connection, actor: Actor, request_id: int, months: int, reason: str, now: datetime
) -> Request:
    """Extend an open request's deadline once, by 1 or 2 months, with a stated reason."""
    require_dpo(actor)
    request = load_request(connection, request_id)
    if request.state not in OPEN_STATES:
        raise InvalidTransition(f"request {request_id} is {request.state}; it cannot be extended")
    if request.extended_due_at is not None:
        raise InvalidTransition(f"request {request_id} was already extended once")
    if not reason.strip():
        raise InvalidTransition("an extension needs a reason (it is shown to the requester)")
    try:
        new_due = extended_for(law_named(request.details.get("law")), request.due_at, months, now)
    except ValueError as exc:  # translated: callers catch RightsError only
        raise InvalidTransition(str(exc)) from exc
    connection.execute(
        update(rights_requests)
        .where(rights_requests.c.id == request_id)
        .values(extended_due_at=new_due, extension_reason=reason)
    )
    _record(connection, actor, "request.extended", request, now, months=months)
    if request.person_id is not None:
        request_extended(
            connection, request.person_id, request_id, request.kind, new_due, reason, now
        )
    return load_request(connection, request_id)
