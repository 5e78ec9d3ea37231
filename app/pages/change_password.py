"""Change password: every signed-in account, and the only page while a generated password
(first sign-in, or after a reset) must be replaced."""

import streamlit as st

from app.auth import current, refuse
from app.context import now, storage
from app.text import literal
from services.errors import PasswordRefused
from services.passwords import MIN_LENGTH, change_password

DONE = "password_changed"

account = current()
if account is None:
    refuse("Please sign in first.")
st.title("Change password")
if st.session_state.pop(DONE, False):
    st.success("Password changed. Use the new one from your next sign-in.")
elif account.must_change_password:
    st.info(
        "Your password was generated for you and someone else has seen it: choose your own "
        "before you go on."
    )
with st.form("change-password", clear_on_submit=True):
    old = st.text_input("Current password", type="password", key="current-password")
    new = st.text_input(
        f"New password (at least {MIN_LENGTH} characters; a phrase is easy to remember)",
        type="password",
        key="new-password",
    )
    again = st.text_input("New password again", type="password", key="confirm-password")
    submitted = st.form_submit_button("Change password")
if submitted:
    try:
        change_password(storage().engine, account.user_id, old, new, again, now())
    except PasswordRefused as exc:
        st.error(f"Not changed: {literal(exc)}")
    else:
        st.session_state[DONE] = True
        st.rerun()  # the navigation gains the role's pages once the flag is gone
