"""Charts of one person's own time, for that person only."""

from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from analytics import Period
from analytics.categories import load_analytics_policy, with_category
from app.context import storage
from app.durations import duration_text
from app.views import colours
from services.idle_review import DISCARD, my_idle_stretches
from services.selfview import Subject, my_slots, my_spans

# Activity is not a category: its own two colours, none of the category palette's.
ACTIVE, LOW = "active", "activity under 20 %"
SLOT_COLOURS = {ACTIVE: "#3d5a80", LOW: "#e9c46a"}


def draw_own_time(person: Subject, period: Period, key: str) -> None:
    """Work time, the application timeline, activity per 10-minute slot, idle stretches."""
    engine = storage().engine
    slots, spans = my_slots(engine, person, period), my_spans(engine, person, period)
    if slots.is_empty():
        st.info("No tracked time in this period.")
        return
    tracked, active = slots["tracked_seconds"].sum(), slots["active_seconds"].sum()
    # The collector's own idle stretches (no input for the idle threshold), as reviewed.
    stretches = my_idle_stretches(engine, person, period)
    idle_seconds = sum(s.seconds for s in stretches if s.decision != DISCARD)
    left, middle, right, last = st.columns(4)
    left.metric("Work time", duration_text(float(tracked)))
    middle.metric("Active time", duration_text(float(active)))
    right.metric("Idle time", duration_text(idle_seconds))
    last.metric("Idle stretches", len(stretches))
    if not spans.is_empty():
        st.subheader("Applications")
        categories = load_analytics_policy(engine).app_categories
        shown = with_category(spans.lazy(), categories).collect().to_pandas()
        timeline = px.timeline(
            shown, x_start="start", x_end="end", y="app", color="category",
            color_discrete_map=colours(sorted(shown["category"].unique())),
            labels={"app": "", "category": "category"},
        )  # fmt: skip
        st.plotly_chart(timeline, key=f"{key}-timeline")
        st.caption("Coloured by category, in the same colours as every other chart.")
    st.subheader("Activity per 10 minutes")
    levels = slots.with_columns(
        pl.when(pl.col("idle")).then(pl.lit(LOW)).otherwise(pl.lit(ACTIVE)).alias("slot")
    )
    bars = px.bar(
        levels.to_pandas(),
        x="start",
        y="activity_level",
        color="slot",
        color_discrete_map=SLOT_COLOURS,
        labels={"activity_level": "activity level", "start": "", "slot": ""},
    )
    bars.update_yaxes(tickformat=".0%")
    st.plotly_chart(bars, key=f"{key}-slots")
    st.caption("Yellow bars are 10-minute slots with activity under 20 %.")
    if stretches:
        st.subheader("Idle stretches")
        st.dataframe(
            pl.DataFrame(
                {
                    "from": [s.start.strftime("%a %H:%M") for s in stretches],
                    "to": [s.end.strftime("%H:%M") for s in stretches],
                    "minutes": [round(s.seconds / 60) for s in stretches],
                    "review": [s.decision or "not reviewed" for s in stretches],
                }
            ),
            hide_index=True,
            key=f"{key}-idle",
        )
        st.caption("Keep or discard them under Review idle time.")
