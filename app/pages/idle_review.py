"""Review idle time: keep an idle stretch as work, or discard it from work time."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from analytics import Period
from app.context import now, storage
from app.durations import duration_text
from app.me import me
from app.sidebar import shared_period
from services.idle_review import (
    DISCARD,
    KEEP,
    Stretch,
    discarded_seconds,
    my_idle_stretches,
    review_idle_stretch,
)
from services.selfview import Subject

NOTICE = "idle-review-notice"
LABELS = {KEEP: "kept as work", DISCARD: "discarded", None: "not reviewed"}


def _period(span: str, day: date) -> Period:
    if span == "Day":
        return Period(day, day)
    monday = day - timedelta(days=day.weekday())
    return Period(monday, monday + timedelta(days=6))


def _decide(person: Subject, start_ts: int, decision: str) -> None:
    # A callback runs before the page is drawn again, so the list shows the new decision.
    try:
        review_idle_stretch(storage().engine, person, start_ts, decision, now())
    except PermissionError as exc:
        st.session_state[NOTICE] = ("error", str(exc).capitalize() + ".")
        return
    st.session_state[NOTICE] = ("success", f"Idle stretch {LABELS[decision]}.")


def _draw_stretch(person: Subject, stretch: Stretch) -> None:
    when, status, keep, discard = st.columns([3, 2, 2, 2], vertical_alignment="center")
    when.write(
        f"{stretch.start:%a %d %b, %H:%M} to {stretch.end:%H:%M} ({duration_text(stretch.seconds)})"
    )
    status.write(LABELS[stretch.decision])
    for column, decision, label in ((keep, KEEP, "Keep as work"), (discard, DISCARD, "Discard")):
        column.button(
            label,
            key=f"{decision}-{stretch.start_ts}",
            on_click=_decide,
            args=(person, stretch.start_ts, decision),
            disabled=stretch.decision == decision,
        )


person = me()
st.title("Review idle time")
st.caption(
    "An idle stretch starts at your last input once the idle threshold passed without any. "
    "It counts as work time unless you discard it; keeping a discarded stretch restores it. "
    f"Only you can see and review your stretches. Times in {person.timezone}."
)
span = st.radio("Show", ["Day", "Week"], horizontal=True, key="idle-span")
day = st.date_input("Day", value=shared_period()[1], key="idle-day")  # the sidebar's last
period = _period(span, day)
notice = st.session_state.pop(NOTICE, None)
if notice is not None:
    (st.error if notice[0] == "error" else st.success)(notice[1])
stretches = my_idle_stretches(storage().engine, person, period)
if not stretches:
    st.info(f"No idle stretches from {period.first} to {period.last}.")
    st.stop()
total, left, right = st.columns(3)
total.metric("Idle stretches", len(stretches))
left.metric("Idle time", duration_text(sum(s.seconds for s in stretches)))
right.metric("Discarded from work time", duration_text(discarded_seconds(stretches)))
for stretch in stretches:
    _draw_stretch(person, stretch)
