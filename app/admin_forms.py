"""What the admin pages share: run a change, report it once, show a one-time password."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app.text import literal
from services.admin import AdminRefused
from storage import StorageError

FLASH = "admin_flash"


def act(change: Callable[[], Any], done: Callable[[Any], str], password: bool = False) -> None:
    """Run ``change``; on success remember ``done(result)`` and redraw the page with it.

    A refusal is shown as one line and nothing is stored. With ``password`` the result is
    ``(id, password)`` or a password: it is kept only until the next page draw shows it.
    """
    try:
        result = change()
    except (AdminRefused, StorageError) as exc:
        st.error(f"Not saved: {literal(exc)}")
        return
    secret = None
    if password:
        secret = result[1] if isinstance(result, tuple) else result
    st.session_state[FLASH] = (done(result), secret)
    st.rerun()


def show_flash() -> None:
    """The outcome of the last change (once), with its one-time password if any."""
    flash = st.session_state.pop(FLASH, None)
    if flash is None:
        return
    message, secret = flash
    st.success(literal(message))
    if secret is not None:
        st.code(secret, language=None)
        st.caption("Shown once: hand it over in person; it cannot be shown again.")
