"""Review idle time: keep an idle stretch as work, or discard it."""

import streamlit as st

from app.auth import require

require("employee")
st.title("Review idle time")
st.info("Coming in this release.")
