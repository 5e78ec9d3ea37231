"""Manager applications and categories: where the team's time goes."""

import plotly.express as px
import streamlit as st

from app.auth import require
from app.sidebar import filters
from app.views import (
    About,
    caption,
    charted,
    colours,
    downloads,
    label_hidden,
    published,
    report_about,
    shown_or_say,
    table,
)

TOP = 15
UNITS = "hours per person per working day; shares in percent"
account = require("manager")
chosen = filters(account)


def about_(k: int, report: str) -> About:
    """What this page's download covers."""
    return report_about(report, chosen.period, chosen.team_ids, k, UNITS)


st.title("Applications and categories")
cats = shown_or_say(
    published("categories", chosen.period, chosen.team_ids), chosen.period, chosen.team_ids
)
if cats is not None:
    shown = cats.shown.to_pandas()
    left, right = st.columns(2)
    every = charted(cats, ["hours"])
    bars = px.bar(
        every,
        x="hours",
        y="category",
        text="note",
        color="category",
        orientation="h",
        color_discrete_map=colours(list(every["category"])),
        labels={"hours": "hours per person per day", "category": ""},
    )
    bars.update_layout(showlegend=False)
    left.plotly_chart(label_hidden(bars), key="category-bars")
    tree = px.treemap(  # areas: only the shown categories, whose hours are known
        shown,
        path=["category"],
        values="hours",
        color="category",
        color_discrete_map=colours(list(shown["category"])),
    )
    right.plotly_chart(tree, key="category-tree")
    caption(cats, "These charts")
    downloads(table(cats, {"hours": "hours"}), "categories", about_(cats.k, "categories"))
    apps = published("top_apps", chosen.period, chosen.team_ids)
    st.subheader(f"Top {TOP} applications")
    top = apps.shown.sort("hours", descending=True).head(TOP).to_pandas()
    figure = px.bar(
        top,
        x="hours",
        y="app",
        orientation="h",
        labels={"hours": "hours per person per day", "app": ""},
    )
    figure.update_yaxes(autorange="reversed")
    st.plotly_chart(figure, key="top-apps")
    caption(apps, "This chart (applications fewer than k people used are not named)")
    shown_table = table(apps, {"hours": "hours"})
    st.dataframe(shown_table, hide_index=True)
    downloads(shown_table, "applications", about_(apps.k, "applications"))
