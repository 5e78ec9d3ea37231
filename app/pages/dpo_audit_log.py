"""The audit log: filter by date, person, account and action; names beside every id;
views grouped; CSV export; verify the hash chain."""

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from app.auth import require
from app.context import now, storage
from app.rights_views import actor_of
from app.text import literal
from services.first_run import system_timezone
from services.rights.auditlog import (
    audit_actions,
    audit_entries,
    grouped,
    log_csv,
    reference_names,
    references_of,
    verify_chain,
)

actor = actor_of(require("dpo"))
engine = storage().engine
st.title("Audit log")
st.caption(
    "Every request step, every access to a person's individual data, every deletion and "
    "every sign-in, append-only and hash-chained. Names are looked up for this page; the "
    "log itself holds ids only."
)

if st.button("Verify the chain", type="primary"):
    result = verify_chain(engine, actor)
    if result.ok:
        st.success(
            f"Chain intact: {result.entries} entries ({result.redacted} redacted by erasure), "
            f"head {result.head[:16]}…"
        )
    else:
        st.error(f"Chain broken: {len(result.problems)} problem(s) in {result.entries} entries.")
        st.dataframe(
            pd.DataFrame([{"entry": p.seq, "problem": p.reason} for p in result.problems]),
            hide_index=True,
        )

names = reference_names(engine, actor)
people_refs = sorted((r for r in names if r.startswith("person:")), key=names.__getitem__)
account_refs = sorted((r for r in names if r.startswith("user:")), key=names.__getitem__)
today = now().date()
first, second, third = st.columns(3)
period = first.date_input("From, to", (today - timedelta(days=30), today), key="audit-period")
about = second.selectbox(
    "About person",
    [None, *people_refs],
    format_func=lambda r: names.get(r, "anyone") if r else "anyone",
)
by = third.selectbox(
    "By account", [None, "anonymous", *account_refs],
    format_func=lambda r: "any" if r is None else names.get(r, r),
)  # fmt: skip
left, right = st.columns([3, 1])
actions = left.multiselect("Actions", audit_actions(engine, actor))
limit = right.number_input("Newest", min_value=10, max_value=5000, value=200, step=50)
start, end = (period[0], period[-1]) if isinstance(period, tuple) and period else (today, today)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


entries, total = audit_entries(
    engine, actor, actions=actions or None, limit=int(limit),
    since=_at(start), until=_at(end + timedelta(days=1)), by=by,
    about=references_of(engine, actor, about) if about else None,
)  # fmt: skip
rows = grouped(entries)
st.caption(
    f"Showing {len(entries)} of {total} matching entries as {len(rows)} lines, newest first "
    "(consecutive views by one account are one line)."
)
if not rows:
    st.info("No entries match.")
    st.stop()


def _named(ref: str | None) -> str:
    return f"{names[ref]} ({ref})" if ref in names else ref or ""


st.dataframe(
    pd.DataFrame(
        {
            "entry": r.first.seq,
            "at (UTC)": r.first.at.strftime("%Y-%m-%d %H:%M:%S"),
            "actor": _named(r.first.actor),
            "action": r.first.action + (f" (x{r.count})" if r.count > 1 else ""),
            "subject": _named(r.first.subject_ref),
            "details": str(r.first.details) if r.first.details else "",
        }
        for r in rows
    ),
    hide_index=True,
)
zone = system_timezone()
st.download_button(
    "Download these lines (CSV)",
    log_csv(rows, names, zone),
    f"audit-log-{start}-{end}.csv",
    "text/csv",
    key="audit-csv",
)
st.caption(f"CSV times in ISO 8601, UTC and {literal(zone)}.")
