"""Retention audit: run it, see each check, download the report, open the Data Docs."""

import streamlit as st

from app.auth import require
from app.context import storage
from app.retention_views import as_of_input, docs_site, draw_audit, draw_docs, draw_policy
from app.text import literal
from services.errors import ServicesError
from services.retention_desk import audit_installation, retention_policy

AUDIT = "dpo_audit"  # the last audit's result, kept for this session

require("dpo")
st.title("Retention audit")
installation = storage()
draw_policy(retention_policy(installation.engine))
st.subheader("Audit")
as_of = as_of_input(
    "audit-as-of", "Audit as if today were this day, e.g. to see what will be overdue soon."
)
if st.button("Run the audit", type="primary", key="run-audit"):
    # Slow (Great Expectations loads, then validates every dataset): show each step.
    with st.status("Running the retention audit…", expanded=True) as status:
        bar = st.progress(0.0)
        try:
            st.session_state[AUDIT] = audit_installation(
                installation.engine,
                installation.objects,
                as_of,
                docs_site(),
                lambda step, done: bar.progress(done, text=step),
            )
        except ServicesError as exc:
            status.update(label="The audit could not run.", state="error")
            st.error(f"The audit could not run: {literal(exc)}")
        else:
            status.update(label="Retention audit finished.", state="complete", expanded=False)
run = st.session_state.get(AUDIT)
if run is None:
    st.info("Run the audit to see every check: contracts, retention per category, erasure.")
else:
    draw_audit(run)
draw_docs(docs_site())
