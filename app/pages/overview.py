"""Manager overview: work time, active time, activity level and productive share."""

import plotly.express as px
import streamlit as st

from analytics import GuardRefused, Released
from analytics.overview import previous
from app.auth import require
from app.sidebar import filters
from app.views import (
    caption,
    charted,
    downloads,
    guarded,
    hidden,
    label_hidden,
    released_or_warn,
    table,
)

account = require("manager")
chosen = filters(account)
st.title("Team overview")
st.caption(f"{chosen.period.first} → {chosen.period.last}, mean per person per day")
now = released_or_warn(lambda: guarded("overview", account, chosen.period, chosen.team_ids))
if now is not None:
    before_period = previous(chosen.period)
    before: Released | None
    try:
        before = guarded("overview", account, before_period, chosen.team_ids)
    except GuardRefused:  # no comparable previous period: no deltas
        before = None
    row = now.cells.row(0, named=True)
    old = before.cells.row(0, named=True) if before is not None else {}
    labels = {
        "tracked_hours": ("Work time", "{:.1f} h"),
        "active_hours": ("Active time", "{:.1f} h"),
        "activity_level": ("Activity level", "{:.0%}"),
        "productive_share": ("Productive share", "{:.0%}"),
    }
    for column, (key, (label, fmt)) in zip(st.columns(4), labels.items(), strict=True):
        value, previous_value = row[key], old.get(key)
        if value is None:
            column.metric(label, hidden(now.k))
            continue
        delta = fmt.format(value - previous_value) if previous_value is not None else None
        column.metric(label, fmt.format(value), delta=delta)
    caption(now, "These figures")
    downloads(table(now, {k: v[0] for k, v in labels.items()}), "overview-totals")
    teams = released_or_warn(lambda: guarded("by_team", account, chosen.period, chosen.team_ids))
    if teams is not None:
        st.subheader("Per team")
        hours = charted(teams, ["tracked_hours", "active_hours"]).rename(
            columns={"tracked_hours": "work time", "active_hours": "active time"}
        )
        figure = px.bar(
            hours,
            x="team",
            y=["work time", "active time"],
            text="note",
            barmode="group",
            labels={"value": "hours per person per day", "team": "", "variable": ""},
        )
        st.plotly_chart(label_hidden(figure), key="overview-teams")
        shown = table(teams, {k: v[0] for k, v in labels.items()})
        st.dataframe(shown, hide_index=True)
        caption(teams, "This table")
        downloads(shown, "overview")
