"""Administration: people and teams (create a team, add, move, edit and offboard a person)."""

from zoneinfo import available_timezones

import pandas as pd
import streamlit as st

from app.admin_forms import act, show_flash
from app.auth import require
from app.context import now, storage
from services.accounts import list_people, policies, team_names, team_sizes
from services.admin import (
    add_person,
    add_team,
    edit_person,
    move_person,
    people_choices,
    set_jurisdiction,
)
from services.offboarding import keep, offboard
from storage.policies import JURISDICTIONS

account = require("admin")
engine = storage().engine
st.title("People and teams")
show_flash()
sizes = team_sizes(engine)
if sizes:
    st.subheader("Teams")
    st.dataframe(pd.DataFrame(sizes), hide_index=True)  # empty teams included
listed = pd.DataFrame(list_people(engine))
if listed.empty:
    st.info("No people yet.")
else:
    st.subheader("People")
    st.dataframe(listed, hide_index=True)

teams = team_names(engine)
chosen_people = {p["id"]: p for p in people_choices(engine)}
zones = sorted(available_timezones())


def person_label(person_id: int) -> str:
    """How a person reads in a list: name, e-mail and team."""
    person = chosen_people[person_id]
    email = person["email"] or "no e-mail"
    return f"{person['display_name']} <{email}> ({teams[person['team_id']]})"


with st.expander("New team"), st.form("new-team"):
    team_name = st.text_input("Team name", key="team-name")
    department = st.text_input("Department", key="team-department")
    if st.form_submit_button("Create team"):
        act(
            lambda: add_team(engine, account.user_id, team_name, department, now()),
            lambda _: f"Team {team_name.strip()} created.",
        )

if not teams:
    st.stop()

with st.expander("Add a person"), st.form("new-person"):
    name = st.text_input("Display name", key="person-name")
    email = st.text_input("E-mail", key="person-email")
    team = st.selectbox("Team", list(teams), format_func=teams.__getitem__, key="person-team")
    zone = st.selectbox("Time zone", zones, index=zones.index("UTC"), key="person-zone")
    st.caption("A new key pair is made for them; their collector gets only the public half.")
    if st.form_submit_button("Add person"):
        profile = {"display_name": name, "email": email, "timezone": zone}
        act(
            lambda: add_person(engine, storage().vault, account.user_id, profile, int(team), now()),
            lambda _: f"{name.strip()} added to {teams[int(team)]}; create their account next.",
        )

if not chosen_people:
    st.stop()

with st.expander("Move a person to another team"), st.form("move-person"):
    mover = st.selectbox("Person", list(chosen_people), format_func=person_label, key="move-who")
    target = st.selectbox("New team", list(teams), format_func=teams.__getitem__, key="move-to")
    if st.form_submit_button("Move"):
        act(
            lambda: move_person(engine, account.user_id, int(mover), int(target), now()),
            lambda _: f"Moved to {teams[int(target)]}.",
        )

with st.expander("Edit a person's profile"):
    who = st.selectbox("Person", list(chosen_people), format_func=person_label, key="edit-who")
    person = chosen_people[int(who)]
    with st.form(f"edit-person-{who}"):
        new_name = st.text_input("Display name", person["display_name"], key=f"edit-name-{who}")
        new_email = st.text_input("E-mail", person["email"] or "", key=f"edit-email-{who}")
        current_zone = zones.index(person["timezone"]) if person["timezone"] in zones else 0
        new_zone = st.selectbox("Time zone", zones, index=current_zone, key=f"edit-zone-{who}")
        if st.form_submit_button("Save profile"):
            profile = {"display_name": new_name, "email": new_email, "timezone": new_zone}
            act(
                lambda: edit_person(engine, account.user_id, int(who), profile, now()),
                lambda changed: f"Saved: {', '.join(changed)}.",
            )

with st.expander("Jurisdiction: whose deadlines their rights requests follow"):
    default_law = policies(engine)["default_jurisdiction"]
    whose = st.selectbox("Person", list(chosen_people), format_func=person_label, key="law-who")
    laws = [None, *JURISDICTIONS]
    current = chosen_people[int(whose)]["jurisdiction"] if whose is not None else None
    law = st.selectbox(
        "Law",
        laws,
        index=laws.index(current) if current in laws else 0,
        format_func=lambda name: name or f"the policy's default ({default_law})",
        key="law-which",
    )
    if st.button("Save jurisdiction", key="law-go") and whose is not None:
        act(
            lambda: set_jurisdiction(engine, account.user_id, int(whose), law, now()),
            lambda _: f"Jurisdiction saved: {law or 'the default'}; new requests follow it.",
        )

with st.expander("Offboard a person who left"):
    days = int(policies(engine)["post_employment_days"])
    staying = [i for i, p in chosen_people.items() if p["left_at"] is None]
    leaving = st.selectbox("Person", staying, format_func=person_label, key="offboard-who")
    st.caption(
        f"Their devices are revoked and stop sending, their accounts disabled, and all their "
        f"data is erased {days} days from now (the post-employment period), unless a legal "
        "hold stands then."
    )
    sure = st.checkbox("They have left the organisation", key="offboard-sure")
    if st.button("Offboard", disabled=leaving is None or not sure, key="offboard-go"):
        act(
            lambda: offboard(engine, account.user_id, int(leaving), now()),
            lambda gone: (
                f"Offboarded: {gone.devices_revoked} device(s) revoked, "
                f"{gone.accounts_disabled} account(s) disabled; erased after {days} days."
            ),
        )
    left = [i for i, p in chosen_people.items() if p["left_at"] is not None]
    if left:
        back = st.selectbox("Cancel a departure", left, format_func=person_label, key="keep-who")
        if st.button("They stay", key="keep-go"):
            act(
                lambda: keep(engine, account.user_id, int(back), now()),
                lambda _: "Departure cancelled; enrol their devices and enable accounts again.",
            )
