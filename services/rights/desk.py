"""The rights desk: what the workbench pages call, each call one transaction.

The pages hold an engine (or the opened storage) and the signed-in account, never a
connection: every function here opens its own transaction, so a refused or failed action
changes nothing. Access rules and audit entries are those of the functions it calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from services.errors import InvalidTransition
from services.rights.access import Actor, check_subject, require_dpo
from services.rights.effects import (
    erase_for_request,
    restrict_for_request,
    set_restriction,
    settle_erasure_copies,
)
from services.rights.export import EXPORT_KINDS, export_request
from services.rights.rectify import apply_rectification, file_rectification
from services.rights.requests import (
    OPEN_STATES,
    Request,
    extend,
    file_request,
    get_request,
    list_requests,
    load_request,
    transition,
    withdraw,
)
from storage import audit
from storage.db.schema import people
from storage.exports import load_export, store_export
from storage.facade import Storage

STANDINGS = ("all", "open", "overdue", "due soon")
# What "carry out" means per kind; objection and consent withdrawal took effect when filed.
CARRY_OUT = {
    "access": "export",
    "portability": "export",
    "erasure": "erase",
    "rectification": "rectify",
    "restriction": "restrict",
    "objection": "complete",
    "consent_withdrawal": "complete",
}


@dataclass(frozen=True)
class Outcome:
    """What an action left: the request as it now stands, and an export's ZIP if one."""

    request: Request
    archive: bytes | None = None
    note: str = ""


def file_for(
    engine: Engine,
    actor: Actor,
    person_id: int,
    kind: str,
    now: datetime,
    *,
    profile: dict[str, str] | None = None,
    untracked: list[tuple[int, int]] | None = None,
    identity_verification: str | None = None,
) -> Request:
    """File a request (a rectification carries its correction); see ``access.check_filing``."""
    with engine.begin() as connection:
        if kind == "rectification":
            return file_rectification(
                connection, actor, person_id, now, profile=profile, untracked=untracked,
                identity_verification=identity_verification,
            )  # fmt: skip
        if profile or untracked:
            raise InvalidTransition("corrections belong to rectification requests only")
        return file_request(
            connection, actor, person_id, kind, now, identity_verification=identity_verification
        )


def requests_of(engine: Engine, actor: Actor, now: datetime) -> list[Request]:
    """A person's own requests, or the DPO's whole queue (the listing is audited)."""
    with engine.begin() as connection:
        return list_requests(connection, actor, now)


def filter_queue(
    requests: list[Request],
    now: datetime,
    *,
    states: list[str] | None = None,
    kinds: list[str] | None = None,
    standing: str = "all",
) -> list[Request]:
    """The requests of the given states, kinds and standing (see ``STANDINGS``)."""
    if standing not in STANDINGS:
        raise InvalidTransition(f"standing must be one of {', '.join(STANDINGS)}")
    found = []
    for request in requests:
        flags = request.flags(now)
        wanted = {
            "all": True,
            "open": request.state in OPEN_STATES,
            "overdue": flags["overdue"],
            "due soon": flags["due_soon"],
        }[standing]
        if wanted and (not states or request.state in states):
            if not kinds or request.kind in kinds:
                found.append(request)
    return found


def view(engine: Engine, actor: Actor, request_id: int, now: datetime) -> Request:
    """One request, if ``actor`` may see it (its subject or the DPO); the view is audited."""
    with engine.begin() as connection:
        return get_request(connection, actor, request_id, now)


def act(
    storage: Storage,
    actor: Actor,
    request_id: int,
    action: str,
    now: datetime,
    *,
    reason: str | None = None,
    months: int = 2,
) -> Outcome:
    """Do one DPO ``action`` on a request: a transition (review, approve, reject, complete),
    extend, or carrying it out (export, erase, rectify, restrict, lift)."""
    require_dpo(actor)
    if action == "erase":
        return _erase(storage, actor, request_id, now)
    with storage.engine.begin() as connection:
        if action == "extend":
            return Outcome(extend(connection, actor, request_id, months, reason or "", now))
        if action == "export":
            archive = export_request(storage, connection, actor, request_id, now)
            return Outcome(load_request(connection, request_id), archive)
        if action == "rectify":
            return Outcome(apply_rectification(storage, connection, actor, request_id, now))
        if action == "restrict":
            return Outcome(restrict_for_request(connection, actor, request_id, now))
        if action == "lift":
            return Outcome(_lift(connection, actor, request_id, now))
        if action in ("review", "approve", "reject", "complete", "close"):
            return Outcome(transition(connection, actor, request_id, action, now, reason=reason))
    raise InvalidTransition(f"unknown action {action!r}")


def _erase(storage: Storage, actor: Actor, request_id: int, now: datetime) -> Outcome:
    """Erase in one transaction, then (committed) clear the lake and the database files."""
    with storage.engine.begin() as connection:
        request, report = erase_for_request(storage, connection, actor, request_id, now)
    settle_erasure_copies(storage, report, actor, now)
    rows = sum(report.rows_deleted.values())
    return Outcome(request, note=f"{rows} rows, {report.objects_purged} objects erased")


def _lift(connection: Any, actor: Actor, request_id: int, now: datetime) -> Request:
    request = load_request(connection, request_id)
    if request.kind != "restriction" or request.person_id is None:
        raise InvalidTransition(f"request {request_id} is not a restriction of a known person")
    set_restriction(connection, actor, request.person_id, False, now)
    return request


def withdraw_mine(engine: Engine, actor: Actor, request_id: int, now: datetime) -> Request:
    """The signed-in person withdraws their own open request."""
    with engine.begin() as connection:
        return withdraw(connection, actor, request_id, now)


def download(storage: Storage, actor: Actor, request_id: int, now: datetime) -> bytes:
    """The export ZIP of a completed access/portability request, for its subject or the DPO:
    the one kept when it was answered, else (kept no longer) a new one, kept in turn."""
    with storage.engine.begin() as connection:
        request = _completed_export(connection, actor, request_id)
        person_id = request.person_id
        assert person_id is not None  # _completed_export refuses an erased person's request
        kept = load_export(connection, storage.objects, storage.vault, person_id, request_id)
        if kept is not None:
            return kept
        archive = export_request(storage, connection, actor, request_id, now)
        store_export(
            connection, storage.objects, storage.vault, person_id, request_id, archive, now
        )
        return archive


def kept_export(storage: Storage, actor: Actor, request_id: int) -> bytes | None:
    """The export kept for a completed request, if ``actor`` may have it; None if none is."""
    with storage.engine.connect() as connection:
        request = load_request(connection, request_id)
        check_subject(actor, request.person_id)
        if request.state != "completed" or request.person_id is None:
            return None
        return load_export(
            connection, storage.objects, storage.vault, request.person_id, request_id
        )


def record_download(engine: Engine, actor: Actor, request_id: int, now: datetime) -> None:
    """Audit that ``actor`` downloaded the kept export of ``request_id``."""
    with engine.begin() as connection:
        request = load_request(connection, request_id)
        check_subject(actor, request.person_id)
        subject = audit.person_ref(request.person_id) if request.person_id else None
        audit.append(
            connection, actor.ref, "export.downloaded", subject, {"request": request_id}, now
        )


def _completed_export(connection: Any, actor: Actor, request_id: int) -> Request:
    request = load_request(connection, request_id)
    check_subject(actor, request.person_id)
    if request.kind not in EXPORT_KINDS:
        raise InvalidTransition(f"request {request_id} is {request.kind}, not access/portability")
    if request.person_id is None:
        raise InvalidTransition(f"the person of request {request_id} was erased with their export")
    if request.state != "completed":
        raise InvalidTransition(f"request {request_id} is {request.state}; not ready yet")
    return request


def standing_of(engine: Engine, actor: Actor, person_id: int) -> dict[str, Any]:
    """Whether ``person_id`` is restricted, objected, has consent, or is under a legal hold."""
    check_subject(actor, person_id)
    p = people.c
    with engine.connect() as connection:
        row = connection.execute(
            select(p.restricted, p.objected, p.consent, p.legal_hold_reason).where(
                p.id == person_id
            )
        ).first()
    if row is None:
        return {"erased": True}
    return {
        "restricted": bool(row.restricted),
        "objected": bool(row.objected),
        "consent": str(row.consent),
        "legal_hold": row.legal_hold_reason is not None,
    }


def people_to_file_for(engine: Engine, actor: Actor) -> dict[int, str]:
    """Person id -> display name, for the DPO filing on behalf of someone who wrote in."""
    require_dpo(actor)
    with engine.connect() as connection:
        rows = connection.execute(select(people.c.id, people.c.display_name).order_by(people.c.id))
        return {int(i): str(n) for i, n in rows}
