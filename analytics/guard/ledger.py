"""The privacy ledger in the database: scopes released to each analyst, budget spent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from analytics.guard.scope import Scope
from storage.db.schema import privacy_ledger

SCOPE, NOISE = "scope", "noise"


def released_scopes(connection: Connection, analyst: str) -> list[Scope]:
    """Every distinct scope released to ``analyst``, oldest first."""
    rows = connection.execute(
        select(privacy_ledger.c.scope)
        .where(privacy_ledger.c.analyst == analyst)
        .order_by(privacy_ledger.c.id)
    )
    scopes: list[Scope] = []
    for (value,) in rows:
        scope = Scope.from_json(value)
        if scope not in scopes:
            scopes.append(scope)
    return scopes


def spent_epsilon(connection: Connection, analyst: str) -> float:
    """Total epsilon spent on noisy releases to ``analyst``."""
    total = connection.execute(
        select(func.sum(privacy_ledger.c.epsilon)).where(
            privacy_ledger.c.analyst == analyst, privacy_ledger.c.kind == NOISE
        )
    ).scalar_one()
    return float(total or 0.0)


def record(
    connection: Connection,
    analyst: str,
    scope: Scope,
    people: int,
    query: str,
    now: datetime,
    epsilon: float | None = None,
) -> None:
    """Write one ledger row: a noisy release (with ``epsilon``) or a released scope."""
    connection.execute(
        privacy_ledger.insert().values(
            at=now,
            analyst=analyst[:64],
            kind=NOISE if epsilon is not None else SCOPE,
            query=query[:200],
            scope=scope.to_json(),
            people=people,
            epsilon=epsilon,
        )
    )
