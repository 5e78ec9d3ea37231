"""Manager team comparison: each unit of the manager's teams side by side."""

import plotly.express as px
import streamlit as st

from app.auth import require
from app.sidebar import filters
from app.views import (
    About,
    caption,
    charted,
    downloads,
    label_hidden,
    published,
    report_about,
    shown_or_say,
    table,
    team_colours,
)

UNITS = "hours per person per working day; shares in percent"
account = require("manager")
chosen = filters(account)


def about_(k: int, report: str) -> About:
    """What this page's download covers."""
    return report_about(report, chosen.period, chosen.team_ids, k, UNITS)


st.title("Team comparison")
units = shown_or_say(
    published("by_unit", chosen.period, chosen.team_ids), chosen.period, chosen.team_ids
)
if units is not None:
    frame = charted(units, ["work_hours", "activity_level"])
    palette = team_colours(list(frame["unit"]))
    left, right = st.columns(2)
    hours = px.bar(
        frame,
        x="unit",
        y="work_hours",
        text="note",
        color="unit",
        color_discrete_map=palette,
        labels={"work_hours": "work time (h per person per day)", "unit": ""},
    )
    left.plotly_chart(label_hidden(hours), key="compare-hours")
    level = px.bar(
        frame,
        x="unit",
        y="activity_level",
        text="note",
        color="unit",
        color_discrete_map=palette,
        labels={"activity_level": "activity level", "unit": ""},
    ).update_yaxes(tickformat=".0%")
    right.plotly_chart(label_hidden(level), key="compare-level")
    caption(units, "These charts")
    labels = {
        "work_hours": "work time (h)",
        "active_hours": "active time (h)",
        "activity_level": "activity level",
        "productive_share": "productive share",
    }
    shown = table(units, labels)
    st.dataframe(shown, hide_index=True)
    downloads(shown, "comparison", about_(units.k, "comparison of units"))
