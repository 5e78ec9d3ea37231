"""Pause and resume tracking: a flag every collector of the signed-in person obeys."""

import streamlit as st

from app.context import now, storage
from app.me import me
from services.tracking import set_tracking_paused, tracking_paused

person = me()
engine = storage().engine
st.title("Pause tracking")
if tracking_paused(engine, person.person_id):
    st.warning("Tracking is paused: nothing is captured and the time is not work time.")
    if st.button("Resume tracking"):
        set_tracking_paused(engine, person.person_id, False, now())
        st.rerun()
else:
    st.success("Tracking is on.")
    if st.button("Pause tracking"):
        set_tracking_paused(engine, person.person_id, True, now())
        st.rerun()
st.caption(
    "Every device of yours stops capturing within a minute of a pause (input is not even "
    "counted) and starts again within a minute of resuming. At the computer itself, the "
    "file `paused` in the collector's spool folder pauses it at once."
)
