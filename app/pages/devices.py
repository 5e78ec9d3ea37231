"""Administration: every device (person, last seen, state), codes for people, revocation."""

import pandas as pd
import streamlit as st

from app.admin_forms import act, show_flash
from app.auth import require
from app.context import now, storage
from services.admin import people_choices
from services.devices import code_for, every_device, revoke_device

account = require("admin")
engine = storage().engine
st.title("Devices")
show_flash()
rows = every_device(engine, account.user_id)
if rows:
    st.dataframe(
        pd.DataFrame(
            {
                "device": r["id"],
                "person": r["display_name"],
                "pseudonym": r["pseudonym"],
                "name": r["name"],
                "system": r["platform"],
                "last seen (UTC)": (
                    r["last_seen_at"].strftime("%Y-%m-%d %H:%M") if r["last_seen_at"] else "never"
                ),
                "state": "revoked"
                if r["revoked_at"]
                else ("enrolled" if r["enrolled"] else "this computer"),
            }
            for r in rows
        ),
        hide_index=True,
    )
else:
    st.info("No device yet.")

people = {p["id"]: p for p in people_choices(engine)}
with st.expander("A one-time code for a person"):
    whom = st.selectbox(
        "Person", list(people), format_func=lambda i: people[i]["display_name"], key="code-who"
    )
    if st.button("Make a code", key="code-go") and whom is not None:
        act(
            lambda: code_for(engine, account.user_id, int(whom), now()),
            lambda code: f"One-time code (valid a day, shown once): {code}",
        )

enrolled = {r["id"]: r for r in rows if r["enrolled"] and not r["revoked_at"]}
with st.expander("Revoke a device"):
    which = st.selectbox(
        "Device",
        list(enrolled),
        format_func=lambda i: f"{i}: {enrolled[i]['name']} of {enrolled[i]['display_name']}",
        key="revoke-which",
    )
    if st.button("Revoke", key="revoke-go", disabled=which is None):
        act(
            lambda: revoke_device(engine, account.user_id, int(which), now()),
            lambda _: f"Device {which} revoked: it can send nothing more.",
        )
