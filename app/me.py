"""The signed-in employee, and a refusal for any request about someone else."""

from __future__ import annotations

import streamlit as st

from app.auth import refuse, require
from app.context import storage
from services.selfview import Subject, subject


def me() -> Subject:
    """The signed-in employee's own record; refuses ``?person=`` naming anyone else."""
    account = require("employee")
    if account.person_id is None:
        refuse("This account is not linked to a person.")
    asked = st.query_params.get("person")
    if asked is not None and asked != str(account.person_id):
        refuse("You may see only your own data.")
    return subject(storage().engine, account.person_id)
