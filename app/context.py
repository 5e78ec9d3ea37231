"""Process-wide handles for the workbench: the opened storage and the clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import streamlit as st

from storage import Storage, open_storage

IDLE_MINUTES = 30  # default idle time after which a session expires


@st.cache_resource(show_spinner=False)
def _open(installation: tuple[str | None, ...]) -> Storage:
    return open_storage()


def storage() -> Storage:
    """The installation's storage, opened once per server process and configuration."""
    names = ("TRAQ_DATA_DIR", "TRAQ_DATABASE_URL", "TRAQ_OBJECT_STORE", "TRAQ_MASTER_KEY_FILE")
    return _open(tuple(os.environ.get(name) for name in names))


def now() -> datetime:
    """The current time (UTC, aware)."""
    return datetime.now(UTC)


def idle_limit_seconds() -> float:
    """How long a session may stay idle: ``TRAQ_SESSION_IDLE_MINUTES`` (default 30)."""
    return float(os.environ.get("TRAQ_SESSION_IDLE_MINUTES", IDLE_MINUTES)) * 60
