"""The DPO's grants of per-person rows to a named account (issue 15, "Data teams").

Managers, notebooks and the lake read published statistics by default. A data team that
needs pseudonymous per-person rows gets them only through a grant: the DPO names the account,
the purpose and the days covered (and, for a past period, until when the grant may be used);
each grant, and each revocation, is written to the hash-chained audit log; each use is too
(``analytics.lake.granted``). A grant is never deleted: revoked or expired, it stays the record
of what was allowed.

Who may hold one: an enabled admin or employee account (a data team's analyst). Not a manager
(managers see publications only: a grant would undo them) and not the DPO's own account (the DPO
sees individual data only while fulfilling a request).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select

from services.errors import AccessDenied, InvalidRequest
from services.rights.access import Actor, require_dpo
from storage import audit
from storage.accounts import find_user
from storage.db.schema import users
from storage.grants import (
    MAX_PURPOSE,
    Grant,
    all_grants,
    grant_by_id,
    insert_grant,
    mark_revoked,
)

HOLDER_ROLES = ("admin", "employee")


def give_grant(
    connection: Connection,
    actor: Actor,
    account: str,
    purpose: str,
    period: tuple[date, date],
    now: datetime,
    usable_until: date | None = None,
) -> Grant:
    """Grant ``account`` the per-person rows of ``period`` for ``purpose`` (DPO only).

    ``usable_until`` defaults to the period's last day; a grant that would already be expired
    when given is refused (give ``usable_until`` for a past period).
    """
    require_dpo(actor)
    holder = _holder(connection, account, actor)
    purpose = " ".join(purpose.split())
    if not 0 < len(purpose) <= MAX_PURPOSE:
        raise InvalidRequest(f"a grant needs a purpose of 1-{MAX_PURPOSE} characters")
    first, last = period
    if first > last:
        raise InvalidRequest("the period's first day (--from) is after its last (--to)")
    until = usable_until or last
    if until < now.astimezone(UTC).date():
        raise InvalidRequest(
            f"the grant would be expired at once (usable until {until}); give --until DATE"
        )
    grant_id = insert_grant(connection, holder, purpose, period, until, actor.user_id, now)
    details = {
        "grant": grant_id, "purpose": purpose, "from": first.isoformat(),
        "to": last.isoformat(), "usable_until": until.isoformat(),
    }  # fmt: skip
    audit.append(connection, actor.ref, "grant.given", audit.user_ref(holder), details, now)
    found = grant_by_id(connection, grant_id)
    assert found is not None  # just inserted in this transaction
    return found


def _holder(connection: Connection, account: str, actor: Actor) -> int:
    row = find_user(connection, account)  # any case, as at sign-in
    if row is None or row.disabled_at is not None:
        raise InvalidRequest(f"no enabled account named {account!r}")
    if int(row.id) == actor.user_id:
        raise AccessDenied("the DPO cannot grant per-person rows to their own account")
    if row.role not in HOLDER_ROLES:
        raise AccessDenied(
            f"a {row.role} account cannot hold per-person rows; grant them to an analyst's "
            "admin or employee account"
        )
    return int(row.id)


def list_grants(connection: Connection, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """Every grant with its state at ``now`` (DPO only), newest first."""
    require_dpo(actor)
    return [grant.to_json(now) for grant in reversed(all_grants(connection))]


def revoke_grant(connection: Connection, actor: Actor, grant_id: int, now: datetime) -> Grant:
    """End a grant at once (DPO only); the revocation is audited."""
    require_dpo(actor)
    grant = grant_by_id(connection, grant_id)
    if grant is None:
        raise InvalidRequest(f"no grant #{grant_id}")
    if not mark_revoked(connection, grant_id, actor.user_id, now):
        raise InvalidRequest(f"grant #{grant_id} is already revoked")
    subject = audit.user_ref(grant.user_id)
    audit.append(connection, actor.ref, "grant.revoked", subject, {"grant": grant_id}, now)
    revoked = grant_by_id(connection, grant_id)
    assert revoked is not None
    return revoked


def holder_accounts(connection: Connection, actor: Actor) -> list[str]:
    """Usernames that may receive a grant from ``actor`` (DPO only), alphabetically."""
    require_dpo(actor)
    u = users.c
    query = (
        select(u.username)
        .where(u.role.in_(HOLDER_ROLES), u.disabled_at.is_(None), u.id != actor.user_id)
        .order_by(u.username)
    )
    return [str(name) for name in connection.execute(query).scalars()]
