"""Manager team timesheet: per local day, each unit's work and active hours summed over its
people, from the published cells only: never one person's hours."""

import streamlit as st

from app.auth import require
from app.sidebar import filters
from app.views import caption, downloads, published, report_about, shown_or_say, table

UNITS = "hours per unit per local day, summed over the unit's people (rounded to the minute)"
LABELS = {"work_hours": "work hours", "active_hours": "active hours"}
account = require("manager")
chosen = filters(account)

st.title("Team timesheet")
st.caption(
    f"{chosen.period.first} → {chosen.period.last}: each unit's hours per local day, summed "
    "over its people, as published (a unit is a team of at least k people); nobody's own "
    "hours. The total row of a team sums its shown days."
)
sheet = shown_or_say(
    published("team_timesheet", chosen.period, chosen.team_ids), chosen.period, chosen.team_ids
)
if sheet is not None:
    shown = table(sheet, LABELS)
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "work hours": st.column_config.Column(
                help="Tracked time of the unit's people that day, less idle time they discarded"
            ),
            "active hours": st.column_config.Column(
                help="Seconds with keyboard or mouse input, summed over the unit's people"
            ),
            "people": st.column_config.Column(help="People of the unit tracked that day"),
        },
    )
    caption(sheet, "This timesheet")
    about = report_about("team timesheet", chosen.period, chosen.team_ids, sheet.k, UNITS)
    downloads(shown, "team-timesheet", about)
