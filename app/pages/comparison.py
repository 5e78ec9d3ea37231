"""Manager team comparison: each of the manager's teams side by side."""

import plotly.express as px
import streamlit as st

from app.auth import require
from app.sidebar import filters
from app.views import caption, downloads, guarded, released_or_warn, table, team_colours

account = require("manager")
chosen = filters(account)
st.title("Team comparison")
teams = released_or_warn(lambda: guarded("by_team", account, chosen.period, chosen.team_ids))
if teams is not None:
    frame = teams.cells.to_pandas()
    left, right = st.columns(2)
    left.plotly_chart(
        px.bar(
            frame,
            x="team",
            y="tracked_hours",
            color="team",
            color_discrete_map=team_colours(list(frame["team"])),
            labels={"tracked_hours": "work time (h per day)", "team": ""},
        ),
        key="compare-hours",
    )
    right.plotly_chart(
        px.bar(
            frame,
            x="team",
            y="activity_level",
            color="team",
            color_discrete_map=team_colours(list(frame["team"])),
            labels={"activity_level": "activity level", "team": ""},
        ).update_yaxes(tickformat=".0%"),
        key="compare-level",
    )
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
