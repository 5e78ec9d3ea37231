"""Retention purge: preview what expired, then run it with confirmation."""

import pandas as pd
import streamlit as st

from app.auth import require
from app.context import now, storage
from app.retention_views import as_of_input, draw_counts
from app.text import literal
from services.errors import InvalidRequest
from services.retention_desk import preview_purge, purge_history, purge_now

PURGED = "dpo_purged"  # the last purge's report, kept for this session

account = require("dpo")
st.title("Retention purge")
installation = storage()
as_of = as_of_input(
    "purge-as-of", "Preview what a purge on this day would remove; a purge runs only up to today."
)
st.subheader("Preview (dry run: nothing is deleted)")
with st.spinner("Counting what expired…"):
    draw_counts(preview_purge(installation, as_of), "would remove")

st.subheader("Run the purge")
future = as_of > now().date()
if future:
    st.caption("A purge may not act as of a future date: it would delete data still kept.")
sure = st.checkbox(
    f"I confirm: delete everything that expired as of {as_of}, for good.",
    key="purge-confirm",
    disabled=future,
)
clicked = st.button("Run the purge", type="primary", disabled=future or not sure, key="purge-run")
if clicked and sure and not future:  # the disabled button is the hint; this is the rule
    try:
        with st.spinner("Purging in batches…"):
            st.session_state[PURGED] = purge_now(installation, as_of, account.user_id, now())
    except InvalidRequest as exc:
        st.error(f"Not purged: {literal(exc)}")
    else:
        st.session_state.pop("purge-confirm", None)  # one confirmation, one purge
        st.rerun()
report = st.session_state.get(PURGED)
if report is not None:
    st.success("Purge finished.")
    draw_counts(report, "removed")

st.subheader("Past purges")
history = purge_history(installation.engine)
if history:
    st.dataframe(pd.DataFrame(history), hide_index=True)
else:
    st.info("No purge has run yet.")
