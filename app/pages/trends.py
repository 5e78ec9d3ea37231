"""Manager trends: daily and weekly lines, and a day-of-week by hour heatmap."""

from datetime import date, datetime, time, timedelta
from typing import Any

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from app.auth import require
from app.sidebar import filters
from app.views import (
    About,
    caption,
    downloads,
    hidden,
    published,
    report_about,
    shown_or_say,
    table,
    team_colours,
)

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DAY_MS = 86_400_000  # plotly's date axes count in milliseconds
WEEK_ZERO = "2024-01-01"  # a Monday: weekly ticks fall on week starts


def _step(count: int) -> int:
    """Ticks every ``_step`` days (or weeks): at most about 10 labels."""
    return max(1, -(-count // 10))


def _half_week_around(first: Any, last: Any) -> list[str] | None:
    """An x-range from half a week before the first week start to half a week after the
    last: a single week is one point on its Monday's tick, not a range of milliseconds."""
    if not isinstance(first, date) or not isinstance(last, date):
        return None
    half = timedelta(days=3, hours=12)
    start = datetime.combine(first, time()) - half
    end = datetime.combine(last, time()) + half
    return [start.isoformat(sep=" "), end.isoformat(sep=" ")]


UNITS = "hours per person per working day; shares in percent"
account = require("manager")
chosen = filters(account)


def about_(k: int, report: str) -> About:
    """What this page's download covers."""
    return report_about(report, chosen.period, chosen.team_ids, k, UNITS)


st.title("Trends")
daily = shown_or_say(
    published("daily_lines", chosen.period, chosen.team_ids), chosen.period, chosen.team_ids
)
if daily is not None:
    st.subheader("Work time per day")
    figure = px.line(
        daily.cells.to_pandas(),
        x="day",
        y="work_hours",
        color="unit",
        color_discrete_map=team_colours(daily.cells["unit"].to_list()),
        markers=True,
        labels={"work_hours": "hours per person", "day": ""},
    )
    figure.update_xaxes(tickformat="%a %d %b", dtick=DAY_MS * _step(chosen.period.days))
    st.plotly_chart(figure, key="daily")
    caption(daily, "This chart")
    downloads(
        table(daily, {"work_hours": "hours", "activity_level": "activity level"}),
        "trends",
        about_(daily.k, "daily trend"),
    )
    weekly = published("weekly_lines", chosen.period, chosen.team_ids)
    st.subheader("Weekly activity level")
    figure = px.line(
        weekly.cells.to_pandas(),
        x="week",
        y="activity_level",
        color="unit",
        color_discrete_map=team_colours(weekly.cells["unit"].to_list()),
        markers=True,
        labels={"activity_level": "activity level", "week": "week of"},
    )
    # A share: 0-100 % with whole-percent ticks; weeks on their Monday, as dates.
    figure.update_yaxes(tickformat=".0%", range=[0, 1])
    weeks = max(1, chosen.period.days // 7)
    figure.update_xaxes(
        tickformat="%d %b",
        dtick=7 * DAY_MS * _step(weeks),
        tick0=WEEK_ZERO,
        range=_half_week_around(weekly.cells["week"].min(), weekly.cells["week"].max()),
    )
    st.plotly_chart(figure, key="weekly")
    caption(weekly, "This chart")
    downloads(
        table(weekly, {"activity_level": "activity level"}),
        "trends-weekly",
        about_(weekly.k, "weekly trend"),
    )
    heat = published("heatmap", chosen.period, chosen.team_ids)
    st.subheader("When the team is active (activity level by local hour)")
    cells = heat.cells.select("weekday", "hour", "activity_level", "suppressed").iter_rows()
    grid = {(w, h): (v, gone) for w, h, v, gone in cells}
    z = [[grid.get((w, h), (None, False))[0] for h in range(24)] for w in range(7)]
    words = {True: hidden(heat.k), False: "no data"}
    says = [
        [
            f"{value:.0%}" if value is not None else words[gone]
            for value, gone in (grid.get((w, h), (None, False)) for h in range(24))
        ]
        for w in range(7)
    ]
    heatmap = go.Heatmap(
        z=z,
        x=list(range(24)),
        y=DAYS,
        text=says,
        colorscale="Blues",
        zmin=0,
        zmax=1,
        hovertemplate="%{y} %{x}:00: %{text}<extra></extra>",
        hoverongaps=True,
    )
    figure = go.Figure(heatmap)
    figure.update_layout(xaxis_title="hour", yaxis_autorange="reversed")
    st.plotly_chart(figure, key="heatmap")
    caption(heat, "This heatmap (a blank cell is no data, or fewer than k people: hover it)")
    minutes = {"activity_level": "activity level", "tracked_minutes": "tracked minutes"}
    minutes["active_minutes"] = "active minutes"
    downloads(table(heat, minutes), "trends-heatmap", about_(heat.k, "weekday by hour"))
