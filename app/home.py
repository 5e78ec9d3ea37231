"""The workbench's landing page: what TraqNext collects here, and how much data it holds."""

from __future__ import annotations

import streamlit as st

from analytics import OrganisationSummary, organisation_summary
from storage import StorageError, open_storage


def _policy_lines(summary: OrganisationSummary) -> list[str]:
    policy = summary.policies
    retention = policy["retention_days"]
    return [
        "Keyboard and mouse activity as counts per minute: never which keys.",
        "The active application; window titles "
        + (
            "encrypted with each person's own key."
            if policy["store_window_titles"]
            else "not kept."
        ),
        f"Screenshots about every {policy['screenshot_interval_seconds'] // 60} minutes, "
        f"encrypted before they touch disk{', blurred' if policy['screenshot_blur'] else ''}.",
        f"Managers see only aggregates over at least {policy['k_anonymity']} people.",
        "Kept for: "
        + ", ".join(f"{name.replace('_', ' ')} {days} days" for name, days in retention.items()),
    ]


def render() -> None:
    """Draw the landing page."""
    st.title("TraqNext workbench")
    try:
        storage = open_storage()
    except StorageError as exc:
        st.error(str(exc))
        return
    try:
        summary = organisation_summary(storage)
    finally:
        storage.close()
    left, middle, right = st.columns(3)
    left.metric("Teams", summary.teams)
    middle.metric("People", summary.people)
    period = f"{summary.first_day} → {summary.last_day}" if summary.first_day else "no data yet"
    right.metric("Data period", period)
    st.subheader("What is collected here")
    st.markdown("\n".join(f"- {line}" for line in _policy_lines(summary)))
