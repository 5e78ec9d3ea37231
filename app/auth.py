"""Sign-in, sessions that expire when idle, and the guard every page calls first."""

from __future__ import annotations

import time
from typing import NoReturn

import streamlit as st

from analytics.accounts import Account, authenticate, reload_account
from app.context import idle_limit_seconds, storage

ACCOUNT, LAST_SEEN = "account", "last_seen"
ROLES = ("admin", "manager", "employee", "dpo")


def current() -> Account | None:
    """The signed-in account, or None (an idle session expires here)."""
    account = st.session_state.get(ACCOUNT)
    if not isinstance(account, Account):
        return None
    if time.time() - float(st.session_state.get(LAST_SEEN, 0)) > idle_limit_seconds():
        sign_out()
        st.session_state["expired"] = True
        return None
    fresh = reload_account(storage().engine, account.user_id)
    if fresh is None:  # disabled or deleted since sign-in
        sign_out()
        return None
    st.session_state[ACCOUNT] = fresh
    st.session_state[LAST_SEEN] = time.time()
    return fresh


def sign_out() -> None:
    """Forget the session's account."""
    for key in (ACCOUNT, LAST_SEEN):
        st.session_state.pop(key, None)


def sign_in_form() -> None:
    """The sign-in page."""
    st.title("Sign in to TraqNext")
    if st.session_state.pop("expired", False):
        st.info("Your session expired; please sign in again.")
    with st.form("sign-in"):
        username = st.text_input("Username")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        account = authenticate(storage().engine, username.strip(), password)
        if account is None:
            st.error("Wrong username or password, or the account is disabled.")
            return
        st.session_state[ACCOUNT] = account
        st.session_state[LAST_SEEN] = time.time()
        st.rerun()


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
    if account.role not in roles:
        refuse("You are not allowed to see this page.")
    return account
