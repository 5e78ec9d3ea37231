"""My day: the signed-in employee's own day."""

import streamlit as st

from analytics import Period
from app.me import me
from app.selfcharts import draw_own_time
from app.sidebar import shared_period
from app.text import literal

person = me()
st.title("My day")
# The sidebar period's last day, unless another day is picked here.
day = st.date_input("Day", value=shared_period()[1], key="my-day")
draw_own_time(person, Period(day, day), "day")
st.caption(
    f"Only you can see this page ({literal(person.display_name)}). "
    f"Times in {literal(person.timezone)}."
)
