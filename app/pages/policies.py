"""Administration: edit the organisation's policies (validated before they are stored)."""

import json

import streamlit as st

from analytics.accounts import change_policy, policies
from app.auth import require
from app.context import now, storage

account = require("admin")
st.title("Policies")
current = policies(storage().engine)
name = st.selectbox("Policy", sorted(current))
with st.form("policy"):
    text = st.text_area("Value (JSON)", json.dumps(current[name], indent=2), height=200)
    saved = st.form_submit_button("Save")
if saved:
    try:
        change_policy(storage().engine, name, json.loads(text), account.username, now())
    except (ValueError, json.JSONDecodeError) as exc:
        st.error(f"Not saved: {exc}")
    else:
        st.success(f"{name} saved.")
