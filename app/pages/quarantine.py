"""Quarantined batches: what failed its contract on ingest, and why."""

import streamlit as st

from app.auth import require

require("dpo", "admin")
st.title("Quarantined batches")
st.info("Coming in this release.")
