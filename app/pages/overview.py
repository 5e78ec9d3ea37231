"""Manager overview: work time, active time, activity level and productive share."""

import plotly.express as px
import streamlit as st

from analytics.overview import previous
from app.auth import require
from app.sidebar import filters
from app.views import (
    About,
    caption,
    charted,
    downloads,
    hidden,
    label_hidden,
    published,
    report_about,
    shown_or_say,
    table,
)

LABELS = {
    "work_hours": ("Work time", "{:.1f} h"),
    "active_hours": ("Active time", "{:.1f} h"),
    "activity_level": ("Activity level", "{:.0%}"),
    "productive_share": ("Productive share", "{:.0%}"),
}
UNITS = "hours per person per working day; shares in percent"
account = require("manager")
chosen = filters(account)


def about_(k: int, report: str) -> About:
    """What this page's download covers."""
    return report_about(report, chosen.period, chosen.team_ids, k, UNITS)


st.title("Team overview")
st.caption(f"{chosen.period.first} → {chosen.period.last}, per person per working day")
now = shown_or_say(
    published("overview", chosen.period, chosen.team_ids), chosen.period, chosen.team_ids
)
if now is not None:
    before = published("overview", previous(chosen.period), chosen.team_ids)
    row = now.cells.row(0, named=True)
    old = before.cells.row(0, named=True) if not before.cells.is_empty() else {}
    for column, (key, (label, fmt)) in zip(st.columns(4), LABELS.items(), strict=True):
        value, previous_value = row[key], old.get(key)
        if value is None:
            column.metric(label, hidden(now.k))
            continue
        delta = None
        if previous_value is not None:  # a change of a share is in percentage points
            change = value - previous_value
            delta = f"{change * 100:+.0f} pp" if "%" in fmt else fmt.format(change)
        column.metric(label, fmt.format(value), delta=delta)
    caption(now, "These figures")
    downloads(
        table(now, {k: v[0] for k, v in LABELS.items()}),
        "overview-totals",
        about_(now.k, "overview totals"),
    )
    units = published("by_unit", chosen.period, chosen.team_ids)
    st.subheader("Per unit")
    hours = charted(units, ["work_hours", "active_hours"]).rename(
        columns={"work_hours": "work time", "active_hours": "active time"}
    )
    figure = px.bar(
        hours,
        x="unit",
        y=["work time", "active time"],
        text="note",
        barmode="group",
        labels={"value": "hours per person per day", "unit": "", "variable": ""},
    )
    st.plotly_chart(label_hidden(figure), key="overview-teams")
    shown = table(units, {k: v[0] for k, v in LABELS.items()})
    st.dataframe(shown, hide_index=True)
    caption(units, "This table")
    downloads(shown, "overview", about_(units.k, "overview per unit"))
