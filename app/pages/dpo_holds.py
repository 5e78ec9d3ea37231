"""Legal holds: keep a person's data from erasure and retention purge, with a stated reason."""

import pandas as pd
import streamlit as st

from app.auth import require
from app.context import now, storage
from app.rights_views import actor_of, flash, show_flash
from app.text import literal
from services.rights import RightsError
from services.rights.desk import people_to_file_for
from services.rights.holds import legal_holds, set_legal_hold

actor = actor_of(require("dpo"))
engine = storage().engine
st.title("Legal holds")
st.caption(
    "A person under a legal hold keeps all their data: an erasure request is refused with the "
    "hold's reason and the retention purge skips them, until the hold is released."
)
show_flash()


def change(person_id: int, reason: str | None) -> None:
    """Place (reason) or release (None) a hold; say what happened and redraw."""
    try:
        with engine.begin() as connection:
            set_legal_hold(connection, actor, person_id, reason, now())
    except RightsError as exc:
        st.error(f"Not done: {literal(exc)}.")
        return
    flash(f"Person {person_id}: legal hold {'placed' if reason else 'released'}.")
    st.rerun()


held = legal_holds(engine, actor)
if held:
    st.dataframe(
        pd.DataFrame(
            [{"person": pid, "name": name, "reason": why} for pid, (name, why) in held.items()]
        ),
        hide_index=True,
    )
    release = st.selectbox(
        "Release the hold on", list(held), format_func=lambda pid: f"{pid} {held[pid][0]}"
    )
    if st.button("Release hold", key="release-hold"):
        change(int(release), None)
else:
    st.info("Nobody is under a legal hold.")

with st.form("place-hold"):
    everyone = people_to_file_for(engine, actor)
    person = st.selectbox(
        "Person", list(everyone), format_func=lambda pid: f"{pid} {everyone[pid]}"
    )
    reason = st.text_input("Reason (recorded in the audit log)", max_chars=500)
    if st.form_submit_button("Place legal hold", type="primary"):
        change(int(person), reason)
