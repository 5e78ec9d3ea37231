"""Manager team comparison: each of the manager's teams side by side."""

import plotly.express as px
import streamlit as st

from app.auth import require
from app.sidebar import filters
from app.views import (
    caption,
    charted,
    downloads,
    guarded,
    label_hidden,
    released_or_warn,
    table,
    team_colours,
)

account = require("manager")
chosen = filters(account)
st.title("Team comparison")
teams = released_or_warn(lambda: guarded("by_team", account, chosen.period, chosen.team_ids))
if teams is not None:
    frame = charted(teams, ["tracked_hours", "activity_level"])
    palette = team_colours(list(frame["team"]))
    left, right = st.columns(2)
    hours = px.bar(
        frame,
        x="team",
        y="tracked_hours",
        text="note",
        color="team",
        color_discrete_map=palette,
        labels={"tracked_hours": "work time (h per day)", "team": ""},
    )
    left.plotly_chart(label_hidden(hours), key="compare-hours")
    level = px.bar(
        frame,
        x="team",
        y="activity_level",
        text="note",
        color="team",
        color_discrete_map=palette,
        labels={"activity_level": "activity level", "team": ""},
    ).update_yaxes(tickformat=".0%")
    right.plotly_chart(label_hidden(level), key="compare-level")
    caption(teams, "These charts")
    labels = {
        "tracked_hours": "work time (h)",
        "active_hours": "active time (h)",
        "activity_level": "activity level",
        "productive_share": "productive share",
    }
    shown = table(teams, labels)
    st.dataframe(shown, hide_index=True)
    downloads(shown, "comparison")
