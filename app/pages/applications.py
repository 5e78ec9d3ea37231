"""Manager applications and categories: where the team's time goes."""

import plotly.express as px
import streamlit as st

from app.auth import require
from app.sidebar import filters
from app.views import (
    caption,
    charted,
    colours,
    downloads,
    guarded,
    label_hidden,
    released_or_warn,
    table,
)

TOP = 15
account = require("manager")
chosen = filters(account)
st.title("Applications and categories")
cats = released_or_warn(lambda: guarded("categories", account, chosen.period, chosen.team_ids))
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
        labels={"hours": "mean hours per person over the period", "category": ""},
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
    downloads(table(cats, {"hours": "hours"}), "categories")
apps = released_or_warn(lambda: guarded("top_apps", account, chosen.period, chosen.team_ids))
if apps is not None:
    st.subheader(f"Top {TOP} applications")
    top = apps.shown.sort("hours", descending=True).head(TOP).to_pandas()
    figure = px.bar(
        top,
        x="hours",
        y="app",
        orientation="h",
        labels={"hours": "mean hours per person who used it", "app": ""},
    )
    figure.update_yaxes(autorange="reversed")
    st.plotly_chart(figure, key="top-apps")
    caption(apps, "This chart")
    shown_table = table(apps, {"hours": "hours"})
    st.dataframe(shown_table, hide_index=True)
    downloads(shown_table, "applications")
