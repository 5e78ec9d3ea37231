"""Connect a computer: a one-time code, the exact command to run, and my devices."""

import os

import pandas as pd
import streamlit as st

from app.context import now, storage
from app.me import me
from services.devices import my_devices, my_enrolment_code

person = me()
engine = storage().engine
st.title("Connect a computer")
st.caption(
    "Install TraqNext on the computer you work on, then run the command below there once. "
    "The code works once, for a day; the computer then sends only counts, application "
    "names and encrypted screenshots, as the policy in the sidebar says."
)
address = os.environ.get("TRAQ_INGEST_URL") or "https://YOUR-COMPANY-TRAQNEXT-ADDRESS"
if st.button("Get a one-time code", type="primary", key="enrol-code"):
    st.session_state["enrol-code-shown"] = my_enrolment_code(engine, person.person_id, now())
code = st.session_state.get("enrol-code-shown")
if code is not None:
    st.write("Run this on the computer (the code is shown only now):")
    st.code(f"TRAQ_INGEST_URL={address} traq collect --enrol {code}", language="bash")
    st.caption("From then on, `traq collect` alone (or at login) keeps it sending.")

st.subheader("My computers")
mine = my_devices(engine, person.person_id)
if not mine:
    st.info("No computer is connected yet.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "computer": d["name"],
                "system": d["platform"],
                "connected (UTC)": d["created_at"].strftime("%Y-%m-%d %H:%M"),
                "last upload (UTC)": (
                    d["last_seen_at"].strftime("%Y-%m-%d %H:%M") if d["last_seen_at"] else "never"
                ),
                "state": "revoked" if d["revoked_at"] else "sending",
            }
            for d in mine
        ),
        hide_index=True,
    )
