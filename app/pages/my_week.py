"""My week: the signed-in employee's own period (the sidebar's)."""

import streamlit as st

from analytics import Period
from app.me import me
from app.selfcharts import draw_own_time
from app.sidebar import shared_period
from app.text import literal

person = me()
first, last = shared_period()
st.title("My week")
st.caption(f"{first} → {last}; only you can see this page. Times in {literal(person.timezone)}.")
draw_own_time(person, Period(first, last), "week")
