"""My consent: its state, and withdrawing it."""

import streamlit as st

from analytics.selfview import withdraw_consent
from app.context import storage
from app.me import me

person = me()
st.title("My consent")
st.metric("Consent", person.consent)
if person.objected:
    st.info("You have objected to processing: you are left out of team analytics.")
if person.restricted:
    st.info("Processing of your data is restricted: you are left out of team analytics.")
if person.consent == "given":
    st.write("Withdrawing consent stops capture and leaves you out of team analytics.")
    confirm = st.checkbox("I want to withdraw my consent")
    if st.button("Withdraw consent", disabled=not confirm):
        withdraw_consent(storage().engine, person.person_id)
        st.rerun()
else:
    st.write("You have withdrawn consent: nothing is captured about you.")
st.caption("Access, export, erasure and other requests are filed with the DPO.")
