"""Administration: accounts and their roles (every action is by a named account)."""

import pandas as pd
import streamlit as st

from app.admin_forms import act, show_flash
from app.auth import ROLES, require
from app.context import now, storage
from services.accounts import list_accounts, team_names
from services.admin import (
    account_choices,
    change_role,
    change_teams,
    create_account,
    link_os_account,
    people_choices,
    reset_password,
    set_enabled,
)

account = require("admin")
engine = storage().engine
st.title("Accounts and roles")
show_flash()
st.dataframe(pd.DataFrame(list_accounts(engine, now())), hide_index=True)
st.caption(
    "Roles: admin, manager (their teams only), employee (their own data), dpo. "
    "Accounts are disabled, never deleted, so the audit log always names who acted. "
    "An account locked after repeated failed sign-ins is unlocked by resetting its password."
)

teams = team_names(engine)
persons = {
    p["id"]: f"{p['display_name']} <{p['email'] or 'no e-mail'}>" for p in people_choices(engine)
}
NOBODY = 0
person_options = [NOBODY, *persons]


def person_label(person_id: int) -> str:
    """A person in a list, or the 'no person' choice."""
    return persons.get(person_id, "— (not an employee account)")


with st.expander("Create an account"), st.form("new-account"):
    username = st.text_input("Username (one named person, e.g. ada.lovelace)", key="new-username")
    role = st.selectbox("Role", ROLES, key="new-role")
    person = st.selectbox(
        "Person (employee accounts)", person_options, format_func=person_label, key="new-person"
    )
    chosen_teams = st.multiselect(
        "Teams (manager accounts)", list(teams), format_func=teams.__getitem__, key="new-teams"
    )
    if st.form_submit_button("Create account"):
        act(
            lambda: create_account(
                engine,
                account.user_id,
                username,
                str(role),
                now(),
                person_id=int(person) or None,
                team_ids=chosen_teams,
            ),
            lambda _: f"Account {username.strip()} created. Its one-time password:",
            password=True,
        )

accounts = {a["id"]: a for a in account_choices(engine)}
st.subheader("Manage an account")
target_id = st.selectbox(
    "Account",
    list(accounts),
    format_func=lambda i: f"{accounts[i]['username']} ({accounts[i]['role']})",
    key="manage-account",
)
target = accounts[int(target_id)]
name = target["username"]
left, right = st.columns(2)
if left.button("Reset password", key="reset-password"):
    act(
        lambda: reset_password(engine, account.user_id, target["id"], now()),
        lambda _: (
            f"New password for {name} (the old one no longer works, a lock is lifted, and "
            "they choose their own at their next sign-in):"
        ),
        password=True,
    )
toggle = "Disable" if target["enabled"] else "Enable"
if right.button(f"{toggle} account", key="toggle-account"):
    act(
        lambda: set_enabled(engine, account.user_id, target["id"], not target["enabled"], now()),
        lambda _: f"{name} {'disabled' if target['enabled'] else 'enabled'}.",
    )

with st.form(f"role-{target['id']}"):
    new_role = st.selectbox(
        "Role", ROLES, index=ROLES.index(target["role"]), key=f"role-{target['id']}-role"
    )
    new_person = st.selectbox(
        "Person (employee accounts)",
        person_options,
        index=person_options.index(target["person_id"] or NOBODY),
        format_func=person_label,
        key=f"role-{target['id']}-person",
    )
    new_teams = st.multiselect(
        "Teams (manager accounts)",
        list(teams),
        default=list(target["team_ids"]),
        format_func=teams.__getitem__,
        key=f"role-{target['id']}-teams",
    )
    saved = st.form_submit_button("Save role and teams")


def save_role() -> None:
    """A manager staying manager changes teams only; anything else changes the role."""
    if new_role == target["role"] == "manager":
        change_teams(engine, account.user_id, target["id"], new_teams, now())
    else:
        change_role(
            engine, account.user_id, target["id"], str(new_role), now(),
            person_id=int(new_person) or None, team_ids=new_teams,
        )  # fmt: skip


unchanged = (
    new_role == target["role"]
    and (int(new_person) or None) == target["person_id"]
    and set(new_teams) == set(target["team_ids"])
)
if saved and unchanged:
    st.info(f"Nothing changed: {name} is already {new_role} with these teams and person.")
elif saved:
    teams_note = " with the teams chosen" if new_role == "manager" else ""
    act(save_role, lambda _: f"{name} is now {new_role}{teams_note}.")


with st.form(f"os-{target['id']}"):
    os_user = st.text_input(
        "OS account on the server (`traq --as` for this account runs only from it when it is "
        "the DPO's or holds a data grant; empty: none)",
        value=target["os_user"] or "",
        key=f"os-{target['id']}-name",
    )
    if st.form_submit_button("Save OS account"):
        act(
            lambda: link_os_account(engine, account.user_id, target["id"], os_user, now()),
            lambda _: f"{name}: OS account {os_user.strip() or 'unlinked'}.",
        )
