"""My consent: its state, withdrawing it (a rights request, effective at once) and giving
it again; both are in the audit log."""

import streamlit as st

from app.auth import require
from app.context import now, storage
from app.me import me
from app.rights_views import actor_of, flash, show_flash
from services.rights import give_consent
from services.rights.desk import file_for

person = me()
actor = actor_of(require("employee"))
engine = storage().engine
st.title("My consent")
show_flash()
st.metric("Consent", person.consent)
if person.objected:
    st.info("You have objected to processing: you are left out of team analytics.")
if person.restricted:
    st.info("Processing of your data is restricted: you are left out of team analytics.")
if person.consent == "given":
    st.write("Withdrawing consent stops capture and leaves you out of team analytics.")
    confirm = st.checkbox("I want to withdraw my consent")
    if st.button("Withdraw consent", disabled=not confirm):
        filed = file_for(engine, actor, person.person_id, "consent_withdrawal", now())
        flash(f"Consent withdrawn (request #{filed.id}); the DPO sees it in the queue.")
        st.rerun()
else:
    st.write("You have withdrawn consent: nothing is captured about you.")
    confirm = st.checkbox("I want to give my consent again")
    if st.button("Give consent", disabled=not confirm):
        with engine.begin() as connection:
            give_consent(connection, actor, person.person_id, now())
        flash("Consent given: capture starts again when your collector next starts.")
        st.rerun()
st.caption("Access, export, erasure and other requests are filed with the DPO.")
