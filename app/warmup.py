"""Prepare the server and the browser for the first dashboard while a person signs in.

A fresh server imports plotly, polars and the analytics package on the first dashboard a
manager opens: about 2 s of a cold first render on this machine. A daemon thread started
once per server process pays that while the sign-in form is on screen.

The browser, too, fetches and compiles plotly.js and the data grid only when a page first
shows a chart or a table: over a second on a modest machine, even from its cache, after the
numbers have arrived. The sign-in page therefore holds one hidden empty chart and table.
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
    "analytics.overview",
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


BROWSER_WARM_UP = "browser-warm-up"  # the hidden container's key (its CSS class names it)


def warm_up_browser() -> None:
    """Draw a hidden empty chart and table: the browser loads their scripts meanwhile."""
    import pandas as pd
    import plotly.graph_objects as go

    st.html(f"<style>.st-key-{BROWSER_WARM_UP} {{display: none}}</style>")
    with st.container(key=BROWSER_WARM_UP):
        st.plotly_chart(go.Figure(), key=f"{BROWSER_WARM_UP}-chart")
        st.dataframe(pd.DataFrame({"warm-up": [0]}), key=f"{BROWSER_WARM_UP}-table")


@st.cache_resource(show_spinner=False)
def start_warm_up() -> threading.Thread:
    """Start (once per server process) the thread that imports the dashboards' modules."""
    thread = threading.Thread(target=_import_all, name="traq-warm-up", daemon=True)
    thread.start()
    return thread
