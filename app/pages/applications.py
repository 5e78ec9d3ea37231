"""Manager applications and categories: where the team's time goes."""

import re
from collections.abc import Callable

import plotly.express as px
import streamlit as st

from analytics.publication.figures import Figure
from app.auth import require
from app.context import storage
from app.sidebar import filters
from app.text import literal
from app.views import (
    About,
    caption,
    charted,
    colours,
    downloads,
    label_hidden,
    plot_text,
    published,
    report_about,
    shown_or_say,
    table,
)
from services.accounts import policies

TOP = 15
OTHER = re.compile(r"other (.+) applications")


def in_category(app_categories: dict[str, str]) -> Callable[[str], str]:
    """An application's category by the policy ("other X applications" are in X)."""

    def category(app: str) -> str:
        other = OTHER.fullmatch(app)
        return other[1] if other else app_categories.get(app, "uncategorised")

    return category


def _is_number(text: object) -> bool:
    try:
        float(str(text))
    except ValueError:
        return False
    return True


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
    policy = policies(storage().engine)
    category_of = in_category(policy["app_categories"])
    ratings = dict(policy["category_ratings"].get("default", {}))
    # Sorted by time, most first; hidden rows (no hours to sort by) last.
    ordered = apps.cells.sort("hours", descending=True, nulls_last=True)
    sorted_apps = Figure(ordered, apps.k)
    shown_table = table(sorted_apps, {"hours": "hours"})
    shown_table.insert(1, "category", [category_of(a) for a in shown_table["app"]])
    shown_table.insert(2, "rating", [ratings.get(c, "neutral") for c in shown_table["category"]])
    pick = st.selectbox(
        "Applications of category", ["all", *sorted(set(shown_table["category"]))],
        key="drill-category",
    )  # fmt: skip
    if pick != "all":
        shown_table = shown_table[shown_table["category"] == pick]
    st.subheader(f"Top {TOP} applications" + ("" if pick == "all" else f" in {literal(pick)}"))
    top = shown_table[shown_table["hours"].map(_is_number)].head(TOP)
    figure = px.bar(
        # A device names applications: Plotly reads "<a href=...>" in labels as a link.
        top.assign(hours=top["hours"].astype(float), app=top["app"].map(plot_text)),
        x="hours",
        y="app",
        orientation="h",
        color="category",
        color_discrete_map=colours(list(top["category"])),
        labels={"hours": "hours per person per day", "app": ""},
    )
    figure.update_yaxes(autorange="reversed")
    st.plotly_chart(figure, key="top-apps")
    caption(apps, "This chart (applications fewer than k people used are not named)")
    st.dataframe(shown_table, hide_index=True)
    downloads(shown_table, "applications", about_(apps.k, "applications"))
