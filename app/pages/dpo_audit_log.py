"""The audit log: browse entries and verify the hash chain."""

import streamlit as st

from app.auth import require

require("dpo")
st.title("Audit log")
st.info("Coming in this release.")
