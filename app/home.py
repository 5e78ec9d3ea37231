"""The organisation page: what TraqNext collects here, and how much it has published."""

from __future__ import annotations

import streamlit as st

from analytics import organisation_summary
from app.context import storage
from app.text import literal
from services.policy_text import policy_lines


def render() -> None:
    """Draw the organisation page (counts only: nothing about any one person)."""
    st.title("TraqNext workbench")
    summary = organisation_summary(storage())
    left, middle, right = st.columns(3)
    left.metric("Teams", summary.teams)
    middle.metric("People", summary.people)
    period = f"{summary.first_day} → {summary.last_day}" if summary.first_day else "no data yet"
    right.metric("Published days", period)
    st.subheader("What is collected here")
    st.markdown("\n".join(f"- {literal(line)}" for line in policy_lines(summary.policies)))
