"""My rights requests: file one, follow its state, download my export."""

import streamlit as st

from app.auth import require

require("employee")
st.title("My rights requests")
st.info("Coming in this release.")
