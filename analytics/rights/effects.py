"""Carrying out requests on the person: restriction and its lifting, erasure.

Restriction keeps the data but leaves the person out of every analytics result from this
moment (the loaders' eligibility rule); lifting it brings them back. Erasure runs the
storage-level ``erase_subject`` for an approved erasure request and closes the request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, update

from analytics.rights.access import Actor, require_dpo, require_person
from analytics.rights.errors import InvalidTransition
from analytics.rights.requests import Request, load_request, transition
from storage import audit
from storage.db.schema import people
from storage.erasure import ErasureReport, erase_subject
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


def erase_for_request(
    storage: Storage, connection: Connection, actor: Actor, request_id: int, now: datetime
) -> tuple[Request, ErasureReport]:
    """Carry out an approved erasure request completely, then close it.

    Raises LegalHold (nothing changed, request left open) when a hold blocks erasure.
    """
    require_dpo(actor)
    request = load_request(connection, request_id)
    if request.kind != "erasure":
        raise InvalidTransition(f"request {request_id} is a {request.kind} request, not erasure")
    if request.state not in ("approved", "in_progress") or request.person_id is None:
        raise InvalidTransition(
            f"request {request_id} is {request.state}; erasure needs an approved request"
        )
    if request.state == "approved":
        transition(connection, actor, request_id, "start", now)
    report = erase_subject(
        connection,
        storage.objects,
        storage.vault,
        request.person_id,
        actor=actor.ref,
        now=now,
        request_id=request_id,
    )
    return transition(connection, actor, request_id, "complete", now), report
