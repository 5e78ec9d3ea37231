"""The audit log: browse entries (newest first, by action) and verify the hash chain."""

import pandas as pd
import streamlit as st

from app.auth import require
from app.context import storage
from app.rights_views import actor_of
from services.rights.auditlog import audit_actions, audit_entries, verify_chain

actor = actor_of(require("dpo"))
engine = storage().engine
st.title("Audit log")
st.caption(
    "Every request step, every access to a person's individual data and every deletion, "
    "append-only and hash-chained. Entries name accounts and people by id only."
)

if st.button("Verify the chain", type="primary"):
    result = verify_chain(engine, actor)
    if result.ok:
        st.success(
            f"Chain intact: {result.entries} entries ({result.redacted} redacted by erasure), "
            f"head {result.head[:16]}…"
        )
    else:
        st.error(f"Chain broken: {len(result.problems)} problem(s) in {result.entries} entries.")
        st.dataframe(
            pd.DataFrame([{"entry": p.seq, "problem": p.reason} for p in result.problems]),
            hide_index=True,
        )

left, right = st.columns([3, 1])
actions = left.multiselect("Actions", audit_actions(engine, actor))
limit = right.number_input("Newest", min_value=10, max_value=5000, value=200, step=50)
entries, total = audit_entries(engine, actor, actions=actions or None, limit=int(limit))
st.caption(f"Showing {len(entries)} of {total} entries, newest first.")
if entries:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "entry": e.seq,
                    "at (UTC)": e.at.strftime("%Y-%m-%d %H:%M:%S"),
                    "actor": e.actor,
                    "action": e.action,
                    "subject": e.subject_ref or "",
                    "details": str(e.details) if e.details else "",
                }
                for e in entries
            ]
        ),
        hide_index=True,
    )
else:
    st.info("No entries match.")
