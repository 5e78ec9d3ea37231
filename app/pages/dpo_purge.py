"""Retention purge: preview what expired, then run it with confirmation."""

import streamlit as st

from app.auth import require

require("dpo")
st.title("Retention purge")
st.info("Coming in this release.")
