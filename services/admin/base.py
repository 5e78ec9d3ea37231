"""What every administrative change shares: one transaction, an enabled admin, an audit entry.

A change either happens whole with its audit entry, or not at all: the checks, the writes
and ``audit.append`` share one transaction, and any refusal rolls all of it back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from services.errors import AdminRefused, NotAllowed
from storage import audit
from storage.accounts import user_row
from storage.db.schema import teams


@contextmanager
def admin_transaction(engine: Engine, actor_id: int) -> Iterator[Connection]:
    """A transaction in which ``actor_id`` is an enabled admin; refusals roll it back.

    Storage's shape checks (ValueError) and the database's uniqueness rules become one-line
    ``AdminRefused`` errors, so a page shows them as they are.
    """
    try:
        with engine.begin() as connection:
            actor = user_row(connection, actor_id)
            if actor is None or actor.role != "admin" or actor.disabled_at is not None:
                raise NotAllowed("only an enabled admin account may change this")
            yield connection
    except IntegrityError as exc:
        raise AdminRefused("that name or e-mail address is already in use") from exc
    except AdminRefused:
        raise
    except ValueError as exc:
        raise AdminRefused(str(exc)) from exc


def record(
    connection: Connection,
    actor_id: int,
    action: str,
    subject: str | None,
    details: Mapping[str, Any],
    now: datetime,
) -> None:
    """Write the change to the audit log (ids and kinds only, never names or passwords)."""
    audit.append(connection, audit.user_ref(actor_id), action, subject, details, now)


def team_ids_exist(connection: Connection, team_ids: set[int]) -> None:
    """AdminRefused unless every id in ``team_ids`` is a team."""
    found = set(connection.execute(select(teams.c.id).where(teams.c.id.in_(team_ids))).scalars())
    if found != team_ids:
        raise AdminRefused("no such team; pick one from the list")
