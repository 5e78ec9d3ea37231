"""Grants of per-person rows: the table's reads and writes (who may give them: services).

A grant lets one named account read the pseudonymous per-person rows of the days
``period_from`` … ``period_to`` (inclusive) for a stated purpose. It is *live* from the moment
it was given until the end of its ``usable_until`` day (UTC), unless revoked first. Time is a
parameter everywhere, so an expired grant is tested by asking later, not by waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from storage.db.schema import data_grants, users

MAX_PURPOSE = 500


@dataclass(frozen=True)
class Grant:
    """One grant as stored, with the grantee's username."""

    id: int
    user_id: int
    username: str
    purpose: str
    period_from: date
    period_to: date
    usable_until: date
    given_at: datetime
    revoked_at: datetime | None

    def expires_at(self) -> datetime:
        """The first moment the grant is no longer usable (the day after ``usable_until``)."""
        return datetime.combine(self.usable_until + timedelta(days=1), time(), UTC)

    def is_live(self, now: datetime) -> bool:
        """True while given, not revoked and not expired at ``now``."""
        return self.revoked_at is None and self.given_at <= now < self.expires_at()

    def state(self, now: datetime) -> str:
        """``live``, ``revoked``, ``expired`` or ``pending`` (given with a future time)."""
        if self.revoked_at is not None:
            return "revoked"
        if now >= self.expires_at():
            return "expired"
        return "live" if self.given_at <= now else "pending"

    def covers(self, first: date, last: date) -> bool:
        """True when the days ``first`` … ``last`` all lie inside the granted period."""
        return self.period_from <= first and last <= self.period_to

    def to_json(self, now: datetime) -> dict[str, Any]:
        """A stable JSON form for `traq grants list --json` and the DPO page."""
        return {
            "id": self.id,
            "account": self.username,
            "purpose": self.purpose,
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat(),
            "usable_until": self.usable_until.isoformat(),
            "given_at": self.given_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "state": self.state(now),
        }


def insert_grant(
    connection: Connection,
    user_id: int,
    purpose: str,
    period: tuple[date, date],
    usable_until: date,
    given_by: int,
    now: datetime,
) -> int:
    """Store a grant and return its id (the caller checked who may give it, and audits it)."""
    result = connection.execute(
        insert(data_grants).values(
            user_id=user_id,
            purpose=purpose,
            period_from=period[0],
            period_to=period[1],
            usable_until=usable_until,
            given_at=now,
            given_by=given_by,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def mark_revoked(connection: Connection, grant_id: int, by: int, now: datetime) -> bool:
    """Revoke a grant that is not revoked yet; False when there was none to revoke."""
    g = data_grants.c
    result = connection.execute(
        update(data_grants)
        .where(g.id == grant_id, g.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=by)
    )
    return bool(result.rowcount)


def _query() -> Any:
    g = data_grants.c
    return (
        select(
            g.id, g.user_id, users.c.username, g.purpose, g.period_from, g.period_to,
            g.usable_until, g.given_at, g.revoked_at,
        )
        .join(users, users.c.id == g.user_id)
        .order_by(g.id)
    )  # fmt: skip


def _grant(row: Any) -> Grant:
    return Grant(
        int(row.id), int(row.user_id), str(row.username), str(row.purpose), row.period_from,
        row.period_to, row.usable_until, row.given_at, row.revoked_at,
    )  # fmt: skip


def all_grants(connection: Connection) -> list[Grant]:
    """Every grant ever given, oldest first."""
    return [_grant(row) for row in connection.execute(_query())]


def grant_by_id(connection: Connection, grant_id: int) -> Grant | None:
    """The grant with that id, or None."""
    row = connection.execute(_query().where(data_grants.c.id == grant_id)).first()
    return None if row is None else _grant(row)


def live_grants(connection: Connection, user_id: int, now: datetime) -> list[Grant]:
    """The account's grants that are live at ``now``, newest first."""
    found = [
        _grant(r) for r in connection.execute(_query().where(data_grants.c.user_id == user_id))
    ]
    return [g for g in reversed(found) if g.is_live(now)]
