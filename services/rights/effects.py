"""Carrying out requests on the person: restriction and its lifting, erasure.

Restriction keeps the data but leaves the person out of every analytics result from this
moment (the loaders' eligibility rule); lifting it brings them back. Erasure runs the
storage-level ``erase_subject`` for an approved erasure request and closes the request;
once that committed, ``settle_erasure_copies`` reaches the copies outside the transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, update

from services.errors import AccessDenied, ErasureBlocked, InvalidTransition
from services.rights.access import Actor, require_dpo, require_person
from services.rights.requests import Request, load_request, transition
from storage import audit
from storage.consent import resume_capture
from storage.db.schema import people
from storage.erasure import ErasureReport, erase_subject, settle_erasure
from storage.errors import LegalHold, SubjectNotFound
from storage.facade import Storage


def set_restriction(
    connection: Connection, actor: Actor, person_id: int, restricted: bool, now: datetime
) -> None:
    """Restrict (or lift the restriction of) processing of ``person_id``'s data."""
    require_dpo(actor)
    require_person(connection, person_id)
    connection.execute(update(people).where(people.c.id == person_id).values(restricted=restricted))
    action = "person.restricted" if restricted else "person.restriction_lifted"
    audit.append(connection, actor.ref, action, audit.person_ref(person_id), {}, now)


def give_consent(connection: Connection, actor: Actor, person_id: int, now: datetime) -> None:
    """The person gives consent again (only they can: a withdrawal is theirs to undo)."""
    if actor.person_id != person_id:
        raise AccessDenied("only the person themselves can give their consent")
    require_person(connection, person_id)
    connection.execute(update(people).where(people.c.id == person_id).values(consent="given"))
    resume_capture(connection, person_id, now)  # unless an objection still stands
    audit.append(connection, actor.ref, "consent.given", audit.person_ref(person_id), {}, now)


def _approved(connection: Connection, request_id: int, kind: str) -> tuple[Request, int]:
    """The request and its subject, if it is an approved (or started) request of ``kind``."""
    request = load_request(connection, request_id)
    if request.kind != kind:
        raise InvalidTransition(f"request {request_id} is a {request.kind} request, not {kind}")
    if request.state not in ("approved", "in_progress") or request.person_id is None:
        raise InvalidTransition(
            f"request {request_id} is {request.state}; {kind} needs an approved request"
        )
    return request, request.person_id


def restrict_for_request(
    connection: Connection, actor: Actor, request_id: int, now: datetime
) -> Request:
    """Carry out an approved restriction request (restrict processing), then close it."""
    require_dpo(actor)
    _, person_id = _approved(connection, request_id, "restriction")
    set_restriction(connection, actor, person_id, True, now)
    return transition(connection, actor, request_id, "complete", now)


def erase_for_request(
    storage: Storage, connection: Connection, actor: Actor, request_id: int, now: datetime
) -> tuple[Request, ErasureReport]:
    """Carry out an approved erasure request completely, then close it.

    Raises ErasureBlocked (with the hold's reason) when a legal hold blocks erasure; the
    caller's transaction must then roll back, leaving the request approved.
    """
    require_dpo(actor)
    request, person_id = _approved(connection, request_id, "erasure")
    if request.state == "approved":
        transition(connection, actor, request_id, "start", now)
    try:
        report = erase_subject(
            connection,
            storage.objects,
            storage.vault,
            person_id,
            actor=actor.ref,
            now=now,
            request_id=request_id,
        )
    except (LegalHold, SubjectNotFound) as exc:  # the caller's transaction rolls back
        raise ErasureBlocked(str(exc)) from exc
    return transition(connection, actor, request_id, "complete", now), report


def settle_erasure_copies(
    storage: Storage, report: ErasureReport, actor: Actor, now: datetime
) -> dict[str, Any]:
    """Once the erasure's transaction committed: the copies it could not reach in it.

    The installation's lake is rewritten without the person (months that lost rows, old
    versions removed), the database files are compacted (SQLite WAL truncated, PostgreSQL
    vacuumed), and an ``erasure.settled`` audit entry lists each place; returned as well.
    """

    return settle_copies(storage, report, actor.ref, now)


def settle_copies(
    storage: Storage, report: ErasureReport, actor_ref: str, now: datetime
) -> dict[str, Any]:
    """``settle_erasure_copies`` for any actor the audit log can name (the purge, too)."""

    def lake() -> dict[str, Any]:
        from analytics.lake.erased import refresh_after_deletion  # polars: only when erasing

        refreshed = refresh_after_deletion(storage.engine, storage.objects, now)
        return refreshed.as_dict() if refreshed is not None else {"exported": False}

    return settle_erasure(storage.engine, report, actor_ref, now, {"lake": lake})
