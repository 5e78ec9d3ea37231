"""An unexpected error on a page: one sentence and an error id, never a traceback.

Streamlit would show the exception with its stack, the server's file paths and links to
search engines. ``unexpected`` logs the whole traceback under a short id on the server and
shows the user only that id, which a DPO or admin can look up in the server log.
"""

from __future__ import annotations

import logging
import secrets

import streamlit as st

log = logging.getLogger("traq.app")


def unexpected(exc: Exception) -> str:
    """Log ``exc`` with a new error id; show one sentence naming the id; return it."""
    error_id = secrets.token_hex(4)
    log.error("page failed, error id %s", error_id, exc_info=exc)
    st.error(
        f"Something went wrong on this page (error id {error_id}). Nothing more is shown "
        "here; an administrator can find this id in the server log."
    )
    return error_id
