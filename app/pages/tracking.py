"""Pause and resume tracking on this machine (the collector's pause flag)."""

import streamlit as st

from app.context import pause_flag
from app.me import me

me()
st.title("Pause tracking")
flag = pause_flag()
if flag.exists():
    st.warning("Tracking is paused: nothing is captured and the time is not work time.")
    if st.button("Resume tracking"):
        flag.unlink(missing_ok=True)
        st.rerun()
else:
    st.success("Tracking is on.")
    if st.button("Pause tracking"):
        flag.parent.mkdir(parents=True, exist_ok=True)
        flag.touch()
        st.rerun()
st.caption(f"The collector on this machine checks `{flag}` every second.")
