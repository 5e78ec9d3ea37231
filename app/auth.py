"""Sign-in (passwords, or OIDC by configuration), sessions that expire when idle, and the
guard every page calls first."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from math import ceil
from typing import NoReturn

import streamlit as st
from streamlit.errors import StreamlitAuthError

from app.context import idle_limit_seconds, now, storage
from app.oidc import (
    SignInConfigError,
    configured_methods,
    identity_claim,
    missing_login_module,
    provider_label,
    signed_in_claims,
)
from app.text import literal
from app.warmup import warm_up_browser
from services.accounts import Account, admin_exists, record_sign_out, reload_account, sign_in
from services.errors import IdentityRefused
from services.notices import failed_sign_ins
from services.sign_in_guard import FREE_TRIES, GUARD
from services.sso import is_fresh, open_session

ACCOUNT, LAST_SEEN, VIA_OIDC, REFUSAL = "account", "last_seen", "via_oidc", "sso_refusal"
REFUSED = "sso_refused"  # the identity refused in this session, and why
ROLES = ("admin", "manager", "employee", "dpo")


def current() -> Account | None:
    """The signed-in account, or None (an idle session expires here)."""
    account = st.session_state.get(ACCOUNT)
    if not isinstance(account, Account):
        return _from_identity()
    if time.time() - float(st.session_state.get(LAST_SEEN, 0)) > idle_limit_seconds():
        # No st.logout here: the provider's identity is older than the idle limit by now,
        # so it cannot reopen a session (see services.sso.is_fresh).
        _forget()
        st.session_state["expired"] = True
        return None
    fresh = reload_account(storage().engine, account.user_id)
    if fresh is None:  # disabled or deleted since sign-in
        sign_out()
        return None
    if st.session_state.get(VIA_OIDC):
        fresh = _without_password_change(fresh)
    st.session_state[ACCOUNT] = fresh
    st.session_state[LAST_SEEN] = time.time()
    return fresh


def _from_identity() -> Account | None:
    """Open a session for a fresh OIDC identity that names one enabled account."""
    try:
        methods = configured_methods()
    except SignInConfigError:
        return None  # the sign-in page says what to change
    claims = signed_in_claims() if methods.providers else None
    if claims is None or not is_fresh(claims, now(), idle_limit_seconds()):
        return None
    identity = (claims.get("sub"), claims.get("iat"))
    refused = st.session_state.get(REFUSED)
    if refused is not None and refused[0] == identity:  # checked and logged once a session
        st.session_state[REFUSAL] = refused[1]
        return None
    try:
        account = open_session(storage().engine, claims, identity_claim(), now())
    except IdentityRefused as exc:
        st.session_state[REFUSED] = (identity, str(exc))
        st.session_state[REFUSAL] = str(exc)
        return None
    account = _without_password_change(account)
    st.session_state.update({ACCOUNT: account, LAST_SEEN: time.time(), VIA_OIDC: True})
    return account


def _without_password_change(account: Account) -> Account:
    """A session opened by the identity provider uses no password: an admin-made account's
    generated one need not be changed before its user can work (single sign-on only)."""
    return replace(account, must_change_password=False)


def current_account_or_none() -> Account | None:
    """The session's account as stored, without checks (for logging a sign-out)."""
    stored = st.session_state.get(ACCOUNT)
    return stored if isinstance(stored, Account) else None


def _forget() -> bool:
    """Forget the session's account; whether it came through OIDC."""
    for key in (ACCOUNT, LAST_SEEN):
        st.session_state.pop(key, None)
    return bool(st.session_state.pop(VIA_OIDC, False))


def sign_out() -> bool:
    """Forget the session's account, and the provider's identity if it signed in with one
    (otherwise that identity would open a new session at once).

    True when the browser is being sent to sign out of the provider: the caller must then
    let the run end (``st.stop``), since ``st.rerun`` drops that redirect before it is sent.
    """
    account = current_account_or_none()
    if account is not None:
        record_sign_out(storage().engine, account.user_id, now())
    if _forget() and signed_in_claims() is not None:
        st.logout()
        return True
    return False


def sign_in_form() -> None:
    """The sign-in page: a button per OIDC provider and/or the password form."""
    st.title("Sign in to TraqNext")
    if st.session_state.pop("expired", False):
        st.info("Your session expired; please sign in again.")
    if not admin_exists(storage().engine):
        st.info(
            "No admin account yet. Whoever installed TraqNext creates theirs, under their own "
            "name, with `traq init --admin YOUR-NAME` on the server."
        )
    try:
        methods = configured_methods()
    except SignInConfigError as exc:
        st.error(str(exc))
        return
    refusal = st.session_state.pop(REFUSAL, None)
    if refusal is not None:
        st.error(refusal)
        if st.button("Use another identity", key="sso-logout"):
            st.logout()
    for provider in methods.providers:
        if st.button(provider_label(provider), key=f"sso-{provider}", type="primary"):
            _start_login(provider)
    if methods.passwords:
        _password_form()
    warm_up_browser()  # last: the form is on screen first


def _start_login(provider: str) -> None:
    missing = missing_login_module()
    if missing is not None:
        st.error(
            f"Single sign-on is not available: the Python module {literal(missing)} is "
            'missing; install TraqNext with its sso extra: `pip install -e ".[sso]"`.'
        )
        return
    try:
        st.login(provider)
    except StreamlitAuthError as exc:  # Authlib missing, or an incomplete [auth] section
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        st.error(f"Single sign-on is not available: {literal(first_line)}")


def _password_form() -> None:
    with st.form("sign-in"):
        username = st.text_input("Username")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        name, client = username.strip(), st.context.ip_address
        wait = GUARD.wait_left(name, client)
        if wait > 0:  # refused unchecked: parallel sessions guess no faster
            st.error(f"Too many failed sign-ins: try again in {ceil(wait)} s.")
            return
        result = sign_in(storage().engine, name, password, now())
        account = result.account
        if account is None:
            if GUARD.failed(name, client) == FREE_TRIES:  # once per run of failures
                failed_sign_ins(storage().engine, name, FREE_TRIES, now())
            st.error(_refusal(result.locked_until))
            return
        GUARD.succeeded(name, client)
        st.session_state[ACCOUNT] = account
        st.session_state[LAST_SEEN] = time.time()
        st.rerun()


def _refusal(locked_until: datetime | None) -> str:
    """The one line a refused sign-in shows (a lock says until when, and who can lift it)."""
    if locked_until is None:
        return "Wrong username or password, or the account is disabled."
    return (
        "This account is locked after too many failed sign-ins until "
        f"{locked_until.astimezone(UTC):%H:%M} UTC; try again then, or ask an admin to reset "
        "its password."
    )


def refuse(message: str) -> NoReturn:
    """Show a refusal and stop the page."""
    st.error(message)
    st.stop()
    raise AssertionError("unreachable")  # st.stop raises; this keeps the type checker honest


def require(*roles: str) -> Account:
    """The signed-in account if its role is one of ``roles``; otherwise refuse the page."""
    account = current()
    if account is None:
        refuse("Please sign in first.")
    if account.must_change_password:  # a generated password: the change form comes first
        refuse("Please change your password first (Your account: Change password).")
    if account.role not in roles:
        refuse("You are not allowed to see this page.")
    return account
