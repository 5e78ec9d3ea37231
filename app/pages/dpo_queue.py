"""The DPO request queue: deadlines, filters and actions."""

import streamlit as st

from app.auth import require

require("dpo")
st.title("Request queue")
st.info("Coming in this release.")
