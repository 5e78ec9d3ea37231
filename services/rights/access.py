"""Who may do what with rights requests: enforced here, for every caller (pages and CLI).

A person files for, sees and downloads their own requests only: their signed-in account is
the identity check. The DPO works every request and may file on behalf of someone who wrote
in, recording how their identity was verified. Nobody else sees individual data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from services.errors import AccessDenied, RequestNotFound
from storage.accounts import find_user
from storage.audit import user_ref
from storage.db.schema import people

DPO_ROLES = ("dpo",)


@dataclass(frozen=True)
class Actor:
    """The signed-in account acting on a request."""

    user_id: int
    role: str
    person_id: int | None

    @property
    def ref(self) -> str:
        """How the audit log names this account."""
        return user_ref(self.user_id)

    @property
    def is_dpo(self) -> bool:
        """True for accounts that work the rights-request queue."""
        return self.role in DPO_ROLES


def load_actor(connection: Connection, username: str) -> Actor:
    """The enabled account named ``username``; AccessDenied if there is none."""
    row = find_user(connection, username)  # any case, as at sign-in
    if row is None or row.disabled_at is not None:
        raise AccessDenied("no enabled account with that username")
    return Actor(int(row.id), str(row.role), row.person_id)


def require_dpo(actor: Actor) -> None:
    """AccessDenied unless ``actor`` works the queue."""
    if not actor.is_dpo:
        raise AccessDenied("only the DPO may do this")


def check_subject(actor: Actor, person_id: int | None) -> None:
    """AccessDenied unless ``actor`` is the DPO or ``person_id`` is their own."""
    if actor.is_dpo:
        return
    if actor.person_id is None or person_id != actor.person_id:
        raise AccessDenied("you can only see and act on your own data and requests")


def check_filing(actor: Actor, person_id: int, identity_verification: str | None) -> None:
    """A person files for themselves; the DPO for anyone, noting how identity was verified."""
    if actor.is_dpo:
        if actor.person_id != person_id and not (identity_verification or "").strip():
            raise AccessDenied(
                "filing on behalf of someone needs a note of how their identity was verified"
            )
        return
    check_subject(actor, person_id)


def require_person(connection: Connection, person_id: int) -> None:
    """RequestNotFound if no such person exists."""
    found = connection.execute(select(people.c.id).where(people.c.id == person_id)).first()
    if found is None:
        raise RequestNotFound(f"no person with id {person_id}")
