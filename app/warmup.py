"""Import what the dashboards need while the first visitor is still signing in.

A fresh server imports plotly, polars and the analytics package on the first dashboard a
manager opens: about 2 s of a cold first render on this machine. A daemon thread started
once per server process pays that while the sign-in form is on screen.
"""

from __future__ import annotations

import importlib
import logging
import threading

import streamlit as st

MODULES = (
    "polars",
    "pandas",
    "plotly.express",
    "plotly.graph_objects",
    "analytics",
    "app.dashboards",
    "app.views",
    "app.selfcharts",
)
log = logging.getLogger(__name__)


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # a warm-up must never break the app; the page import will tell
            log.exception("warm-up import of %s failed", name)


@st.cache_resource(show_spinner=False)
def start_warm_up() -> threading.Thread:
    """Start (once per server process) the thread that imports the dashboards' modules."""
    thread = threading.Thread(target=_import_all, name="traq-warm-up", daemon=True)
    thread.start()
    return thread
