"""The DPO's outbox: every notice TraqNext sent or keeps waiting (no SMTP server set)."""

import os

import pandas as pd
import streamlit as st

from app.auth import require
from app.context import storage
from services.errors import SmtpConfigError
from services.notices import outbox, smtp_settings

require("dpo")
st.title("Notices")
try:
    configured = smtp_settings(os.environ) is not None
except SmtpConfigError:
    configured = False
if configured:
    st.caption("Notices are sent by e-mail (TRAQ_SMTP_URL); those below include failures.")
else:
    st.info(
        "No mail server is set (TRAQ_SMTP_URL), so notices wait here: send them on by hand, "
        "or set one and they go out at the next scheduled run."
    )
notices = outbox(storage().engine)
if not notices:
    st.info("No notice yet.")
    st.stop()
st.dataframe(
    pd.DataFrame(
        {
            "queued (UTC)": n.created_at.strftime("%Y-%m-%d %H:%M"),
            "to": n.recipient,
            "subject": n.subject,
            "status": "sent" if n.sent_at else f"waiting ({n.error})" if n.error else "waiting",
        }
        for n in notices
    ),
    hide_index=True,
)
chosen = st.selectbox("Read", [n.id for n in notices], format_func=lambda i: f"#{i}")
st.text(next(n.body for n in notices if n.id == chosen))
