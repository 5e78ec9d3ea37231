"""Data grants: per-person rows for a named account, a stated purpose and period (issue 15)."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from app.auth import require
from app.context import now, storage
from app.rights_views import actor_of, flash, show_flash
from app.text import literal
from services.errors import ServicesError
from services.grants import give_grant, holder_accounts, list_grants, revoke_grant

actor = actor_of(require("dpo"))
engine = storage().engine
st.title("Data grants")
st.caption(
    "Notebooks and the Parquet lake hold published statistics by default. A data team that "
    "needs per-person (pseudonymous) rows gets them only through a grant: one named account, "
    "a stated purpose, the days covered and the last day it may be used. Giving, every use "
    "and revoking are written to the audit log."
)
show_flash()


def attempt(change: Callable[[Any], str]) -> None:
    """Run ``change`` in one transaction; flash what it says and redraw, or show the refusal."""
    try:
        with engine.begin() as connection:
            done = change(connection)
    except ServicesError as exc:
        st.error(f"Not done: {literal(exc)}.")
        return
    flash(done)
    st.rerun()


with engine.connect() as connection:
    grants = list_grants(connection, actor, now())
    holders = holder_accounts(connection, actor)

if grants:
    st.dataframe(pd.DataFrame(grants), hide_index=True, key="grants-table")
    live = [g for g in grants if g["state"] in ("live", "pending")]
    if live:
        chosen = st.selectbox(
            "Revoke", [g["id"] for g in live], key="revoke-grant-id",
            format_func=lambda gid: next(
                f"#{g['id']} {g['account']}: {g['purpose']}" for g in live if g["id"] == gid
            ),
        )  # fmt: skip
        if st.button("Revoke grant", key="revoke-grant"):
            attempt(lambda c: f"Grant #{revoke_grant(c, actor, int(chosen), now()).id} revoked.")
else:
    st.info("No grant has been given.")

with st.form("give-grant"):
    st.subheader("Give a grant")
    account = st.selectbox("Account (an analyst's admin or employee account)", holders)
    purpose = st.text_input("Purpose (recorded in the audit log)", max_chars=500)
    today = now().date()
    first = st.date_input("First day covered", today - timedelta(days=30), key="grant-from")
    last = st.date_input("Last day covered", today, key="grant-to")
    until = st.date_input("Usable until", today + timedelta(days=30), key="grant-until")
    period = (date.fromisoformat(str(first)), date.fromisoformat(str(last)))

    def give(connection: Any) -> str:
        """Give the grant the form describes; say so."""
        grant = give_grant(
            connection, actor, str(account), purpose, period, now(),
            date.fromisoformat(str(until)),
        )  # fmt: skip
        return f"Grant #{grant.id} given to {grant.username}."

    if st.form_submit_button("Give grant", type="primary"):
        attempt(give)
