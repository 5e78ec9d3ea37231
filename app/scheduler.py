"""The daily retention purge while the workbench is up: one background thread per process.

``start()`` is cached by Streamlit as a resource, so however many sessions and reruns call
it, one ``PurgeThread`` (``services.retention.schedule``) runs per server process.
``TRAQ_RETENTION_SCHEDULE=off`` starts nothing.
"""

from __future__ import annotations

import streamlit as st

from app import context
from services.retention.schedule import PurgeThread, start_schedule


@st.cache_resource(show_spinner=False)
def start() -> PurgeThread | None:
    """Start the process's purge thread (once: cached across sessions and reruns)."""
    return start_schedule(context.storage)
