"""Whose activity is written: the person's consent, objection, key, timezone and policies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from storage.db.schema import people
from storage.errors import KeyDestroyed, UnknownSubject
from storage.policies import load_policies
from storage.vault import SubjectPublicKey, public_key_for


@dataclass(frozen=True)
class SubjectState:
    """What a writer of a person's activity must obey: consent, objection, key, policies."""

    person_id: int
    pseudonym: str
    consent: str
    objected: bool
    restricted: bool
    timezone: str
    public_key: SubjectPublicKey
    policies: dict[str, Any] = field(default_factory=dict)
    paused: bool = False  # paused from the workbench: capture nothing until resumed


def subject_state(conn: Connection, pseudonym: str | None) -> SubjectState:
    """The state of the person ``pseudonym``; with None, the installation's only person.

    Raises ``UnknownSubject`` when there is no such person (or not exactly one), or when
    they have no live key. Only the public half of the key is read: no writer holds a
    master key.
    """
    row = _find_person(conn, pseudonym)
    try:
        public_key = public_key_for(conn, int(row.id))
    except KeyDestroyed as exc:
        raise UnknownSubject("the person has no live key (erased?)") from exc
    return SubjectState(
        person_id=int(row.id),
        pseudonym=str(row.pseudonym),
        consent=str(row.consent),
        objected=bool(row.objected),
        restricted=bool(row.restricted),
        timezone=str(row.timezone),
        public_key=public_key,
        policies=load_policies(conn),
        paused=bool(row.tracking_paused) or row.left_at is not None,  # left: capture ends
    )


def live_timezones(conn: Connection, person_ids: set[int]) -> dict[int, str]:
    """The timezone of each of ``person_ids`` that still exists (erased people are absent)."""
    found = conn.execute(
        select(people.c.id, people.c.timezone).where(people.c.id.in_(sorted(person_ids)))
    ).all()
    return {int(row.id): str(row.timezone) for row in found}


def _find_person(conn: Connection, pseudonym: str | None) -> Any:
    query = select(
        people.c.id,
        people.c.pseudonym,
        people.c.consent,
        people.c.objected,
        people.c.restricted,
        people.c.tracking_paused,
        people.c.left_at,
        people.c.timezone,
    )
    if pseudonym is None:
        found = conn.execute(query.limit(2)).all()
        if len(found) != 1:
            raise UnknownSubject(
                "cannot tell whose device this is; pass --subject PSEUDONYM on the first run"
            )
        return found[0]
    row = conn.execute(query.where(people.c.pseudonym == pseudonym)).first()
    if row is None:
        raise UnknownSubject(f"no person with pseudonym {pseudonym} (erased or never added)")
    return row
