"""Single sign-on: map an identity provider's claims to one existing workbench account.

Sign-in through OpenID Connect never creates an account: an administrator creates it first.
The configured claim (``email`` by default) names the account:

- a value with ``@`` is an e-mail address, matched (case-insensitively) against the
  ``people.email`` of the person the account belongs to (usernames cannot hold ``@``);
- any other value (e.g. the ``preferred_username`` claim) is matched against the username.

An identity that matches no account, several accounts, or a disabled one is refused with a
message that says what to do, and never names the person. ``open_session`` logs the sign-in
or the refusal in the audit log, as a password sign-in is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Engine, func, select

from services.accounts import SESSION_ACTIONS, Account, reload_account
from services.errors import IdentityRefused
from storage import audit
from storage.accounts import username_key
from storage.audit import user_ref
from storage.db.schema import people, users

DEFAULT_CLAIM = "email"


def account_for_claims(
    engine: Engine, claims: Mapping[str, object], claim: str = DEFAULT_CLAIM
) -> Account:
    """The one enabled account the identity's ``claim`` names (IdentityRefused otherwise)."""
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        raise IdentityRefused(
            f"The identity provider sent no {claim!r} claim; ask an administrator to check "
            "the single sign-on configuration."
        )
    if claims.get("email_verified") is False and "@" in value:
        raise IdentityRefused("Your identity provider has not verified this e-mail address.")
    user_ids = _matching_user_ids(engine, value.strip())
    if not user_ids:
        raise IdentityRefused(
            "No TraqNext account belongs to this identity; ask an administrator to create one."
        )
    if len(user_ids) > 1:
        raise IdentityRefused(
            "This identity matches several TraqNext accounts; ask an administrator to keep one."
        )
    account = reload_account(engine, user_ids[0])
    if account is None:
        raise IdentityRefused("This TraqNext account is disabled; ask an administrator.")
    return account


def open_session(
    engine: Engine, claims: Mapping[str, object], claim: str, now: datetime
) -> Account:
    """``account_for_claims``, with the sign-in or the refusal in the audit log."""
    try:
        account = account_for_claims(engine, claims, claim)
    except IdentityRefused:
        with engine.begin() as connection:  # no claim is logged: it names a person
            details = {"method": "oidc", "known": False}
            audit.append(connection, "anonymous", SESSION_ACTIONS[1], None, details, now)
        raise
    me = user_ref(account.user_id)
    with engine.begin() as connection:
        audit.append(connection, me, SESSION_ACTIONS[0], me, {"method": "oidc"}, now)
    return account


def _matching_user_ids(engine: Engine, value: str) -> list[int]:
    if "@" in value:
        query = (
            select(users.c.id)
            .join(people, people.c.id == users.c.person_id)
            .where(func.lower(people.c.email) == value.lower())
        )
    else:
        query = select(users.c.id).where(users.c.username_key == username_key(value))
    with engine.connect() as connection:
        return [int(user_id) for user_id in connection.execute(query).scalars()]


def is_fresh(claims: Mapping[str, object], now: datetime, max_age_seconds: float) -> bool:
    """Whether the identity was established within ``max_age_seconds`` of ``now``.

    Streamlit keeps the provider's identity in a cookie for 30 days; a workbench session
    must still expire, so an identity is used to open a session only while its ID token is
    recent (``auth_time``, else ``iat``). Claims without either are taken as fresh.
    """
    issued = claims.get("auth_time", claims.get("iat"))
    if not isinstance(issued, int | float) or isinstance(issued, bool):
        return True
    return now.timestamp() - float(issued) < max_age_seconds
