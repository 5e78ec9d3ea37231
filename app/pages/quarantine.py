"""Quarantined batches: what failed its contract on ingest, and why.

Shown: when, dataset, source, the person's pseudonym, row count, and the failed checks with
their counts and the contract's rule; never a stored value (see ``services.quarantine``).
"""

import pandas as pd
import streamlit as st

from app.auth import require
from app.context import now, storage
from app.text import literal
from services.errors import InvalidRequest
from services.quarantine import batch_detail, discard_batch, list_batches

DISCARDED = "quarantine_discarded"  # the message to show after a discard and its rerun

account = require("dpo", "admin")
st.title("Quarantined batches")
st.caption(
    "A batch that failed its data contract on ingest is kept whole here instead of being "
    "written. Its values are not shown: the failed checks say what is wrong."
)
engine = storage().engine
if DISCARDED in st.session_state:
    st.success(st.session_state.pop(DISCARDED))
batches = list_batches(engine)
if not batches:
    st.info("No batch is in quarantine.")
else:
    st.dataframe(pd.DataFrame(batches), hide_index=True)
    labels = {b["id"]: f"#{b['id']} {b['dataset']} from {b['source']} ({b['rows']} rows)"
              for b in batches}  # fmt: skip
    chosen = st.selectbox("Inspect batch", list(labels), format_func=labels.__getitem__)
    try:
        detail = batch_detail(engine, int(chosen))
    except InvalidRequest as exc:
        st.warning(str(exc))
    else:
        st.subheader(f"Batch #{detail.id}: {literal(detail.dataset)}")
        st.write(
            f"Source **{detail.source}**, person **{detail.person}**, {detail.row_count} rows. "
            f"Columns: {', '.join(detail.columns)}."
        )
        st.dataframe(pd.DataFrame(detail.failures), hide_index=True)
        sure = st.checkbox(f"I have inspected batch #{detail.id}; discard it for good.")
        if st.button("Discard batch", disabled=not sure):
            try:
                discard_batch(engine, detail.id, account.user_id, now())
            except InvalidRequest as exc:
                st.warning(str(exc))
            else:
                st.session_state[DISCARDED] = f"Batch #{detail.id} discarded (audit-logged)."
                st.rerun()
