"""Retention audit: run it, see each check, download the report."""

import streamlit as st

from app.auth import require

require("dpo")
st.title("Retention audit")
st.info("Coming in this release.")
