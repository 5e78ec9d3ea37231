"""Drawing shared by the rights pages: requests in words, the correction form, messages."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from app.text import literal
from services.accounts import Account
from services.rights import Actor, Request

KINDS = {
    "access": "Access: a copy of everything held about me",
    "portability": "Portability: my data in machine-readable files",
    "rectification": "Rectification: correct my profile or time wrongly tracked",
    "erasure": "Erasure: delete everything about me",
    "restriction": "Restriction: keep my data but stop using it",
    "objection": "Objection: stop processing my data (takes effect at once)",
    "consent_withdrawal": "Withdraw consent: stop capture (takes effect at once)",
}
STATES = {
    "received": "received",
    "in_review": "in review",
    "approved": "approved",
    "in_progress": "in progress",
    "completed": "completed",
    "rejected": "rejected",
    "closed": "closed",
    "withdrawn": "withdrawn",
}
PROFILE = {"display_name": "Name", "email": "E-mail", "timezone": "Time zone"}
FLASH = "rights-flash"


def actor_of(account: Account) -> Actor:
    """The signed-in account as the rights functions name it."""
    return Actor(account.user_id, account.role, account.person_id)


def day(moment: datetime | None) -> str:
    """A date as the pages show it (UTC)."""
    return moment.strftime("%Y-%m-%d") if moment is not None else ""


def standing(request: Request, now: datetime) -> str:
    """``OVERDUE``, ``due soon`` or empty."""
    flags = request.flags(now)
    return "OVERDUE" if flags["overdue"] else "due soon" if flags["due_soon"] else ""


def person_name(person_id: int | None, names: dict[int, str]) -> str:
    """How the DPO's pages name a request's person: their name and id, or "erased"."""
    if person_id is None:
        return "erased"
    return f"{names.get(person_id, 'unknown')} (#{person_id})"


def frame(
    requests: list[Request], now: datetime, names: dict[int, str] | None = None
) -> pd.DataFrame:
    """The requests as a table: kind, state, law, received, deadline, standing, reasons;
    with ``names`` (person id -> name, the DPO's view) the person's name as well."""
    rows = [
        {
            "request": r.id,
            **({"person": person_name(r.person_id, names)} if names is not None else {}),
            "kind": r.kind,
            "state": STATES.get(r.state, r.state),
            "law": r.details.get("law", ""),
            "received": day(r.received_at),
            "due": day(r.flags(now)["deadline"]),
            "standing": standing(r, now),
            "extended": "yes" if r.extended_due_at else "",
            "reason": r.decision_reason or "",
        }
        for r in requests
    ]
    return pd.DataFrame(rows)


def _highlight(row: pd.Series) -> list[str]:
    colour = {"OVERDUE": "#f8d7da", "due soon": "#fff3cd"}.get(str(row["standing"]), "")
    return [f"background-color: {colour}" if colour else "" for _ in row]


def show_table(requests: list[Request], now: datetime, names: dict[int, str] | None = None) -> None:
    """The requests table; overdue rows red, due-soon rows amber (``names``: see ``frame``)."""
    table = frame(requests, now, names)
    st.dataframe(table.style.apply(_highlight, axis=1), hide_index=True)


def describe(request: Request, now: datetime) -> None:
    """One request in words: state, deadline, extension and decision with their reasons."""
    flags = request.flags(now)
    left, middle, right = st.columns(3)
    left.metric("State", STATES.get(request.state, request.state))
    middle.metric("Due", day(flags["deadline"]))
    right.metric("Received", day(request.received_at))
    if flags["overdue"]:
        st.warning("This request is overdue.")
    if request.extended_due_at is not None:
        st.info(
            f"Deadline extended from {day(request.due_at)} to {day(request.extended_due_at)}. "
            f"Reason: {request.extension_reason}"
        )
    if request.state == "rejected":
        st.warning(f"Rejected. Reason: {literal(request.decision_reason)}")
    elif request.decision_reason:
        st.info(f"Note from the DPO: {literal(request.decision_reason)}")


def correction_form(key: str, zone: str) -> tuple[dict[str, str], list[tuple[int, int]]]:
    """Inputs of a rectification: corrected profile fields and one untracked time range."""
    st.caption("Fill in only what is wrong.")
    profile = {}
    for field, label in PROFILE.items():
        value = st.text_input(f"Correct {label.lower()}", key=f"{key}-{field}").strip()
        if value:
            profile[field] = value
    untracked: list[tuple[int, int]] = []
    if st.checkbox("Some time was tracked that should not have been", key=f"{key}-range"):
        first = st.date_input("On", value=date.today() - timedelta(days=1), key=f"{key}-day")
        start = st.time_input("From", value=time(9, 0), key=f"{key}-from")
        end = st.time_input("To", value=time(10, 0), key=f"{key}-to")
        if isinstance(first, date):
            untracked.append(local_range(first, start, end, zone))
    return profile, untracked


def local_range(on: date, start: time, end: time, zone: str) -> tuple[int, int]:
    """Epoch seconds (UTC) of ``start``-``end`` on ``on`` in the time zone ``zone``."""
    tz = ZoneInfo(zone)
    first = datetime.combine(on, start, tz)
    last = datetime.combine(on, end, tz)
    return int(first.timestamp()), int(last.timestamp())


def flash(message: str) -> None:
    """Keep ``message`` for the next run of the page (after ``st.rerun``)."""
    st.session_state[FLASH] = message


def show_flash() -> None:
    """Show the message an action left, once."""
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message)
