"""Admin pages that administer: teams, people, accounts and policies changed in the app.

These tests change their installation, so they run on one of their own (not the shared
demo the other workbench tests read).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from services.accounts import SESSION_ACTIONS, policies, team_names
from storage import audit, open_storage
from storage.db.schema import audit_log, people, users
from storage.vault import public_key_for
from tests.app.conftest import choose_password, managers_by_team, signed_in, storage_of
from tests.traq.cli import traq

ADMIN = "margaret.hamilton"  # `traq init`'s first admin: a person, never a shared "admin"


@dataclass(frozen=True)
class Installation:
    """An installation only these tests change: its environment and two admin passwords."""

    env: dict[str, str]
    admin_password: str
    demo_password: str


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    """`traq init --admin margaret.hamilton` and a tiny `traq demo` (6 people, 2 days)."""
    data_dir: Path = tmp_path_factory.mktemp("admin-actions")
    env = {
        "TRAQ_DATA_DIR": str(data_dir),
        "TRAQ_SPOOL_DIR": str(data_dir / "spool"),
        "TRAQ_MASTER_KEY_FILE": str(data_dir.with_name(f"{data_dir.name}.key")),
    }
    init = traq("init", "--admin", ADMIN, env=env)
    assert init.returncode == 0, init.stderr
    admin = re.search(r"password \(shown once\): (\S+)", init.stdout)
    demo = traq(
        "demo", "--employees", "6", "--days", "2", "--seed", "5", "--end", "2026-03-31", env=env
    )
    assert demo.returncode == 0, demo.stderr
    shared = re.search(r"password \(shown once\): (\S+)", demo.stdout)
    assert admin and shared, (init.stdout, demo.stdout)
    # `traq init`'s password was printed: its admin replaces it at first sign-in (as
    # test_change_password shows); these tests start after that.
    storage = storage_of(env)
    with storage.engine.connect() as connection:
        admin_id = connection.execute(select(users.c.id).where(users.c.username == ADMIN))
        chosen = choose_password(storage, int(admin_id.scalar_one()), admin.group(1))
    storage.close()
    return Installation(env, chosen, shared.group(1))


@pytest.fixture(autouse=True)
def _own_installation(
    _demo_environment: None, installation: Installation, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Point the app at this module's installation instead of the shared demo."""
    for name, value in installation.env.items():
        monkeypatch.setenv(name, value)
    yield


def is_signed_in(app: AppTest, username: str) -> bool:
    """Whether the session's sidebar names ``username`` as signed in."""
    return bool(app.sidebar.markdown) and f"**{username}**" in app.sidebar.markdown[0].value


def press(app: AppTest, label: str) -> AppTest:
    """Click the button (or form submit button) labelled ``label`` and run the page."""
    next(b for b in app.button if b.label == label).click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def last_actions(count: int) -> list[str]:
    """The newest ``count`` administrative audit actions (reading pages log too), oldest first."""
    kinds = ("team.", "person.", "account.", "policy.")
    storage = open_storage()
    try:
        with storage.engine.connect() as connection:
            found = connection.execute(select(audit_log.c.action).order_by(audit_log.c.seq))
            changes = [a for a in found.scalars() if a not in SESSION_ACTIONS]
            return [a for a in changes if a.startswith(kinds)][-count:]
    finally:
        storage.close()


def team_id(name: str) -> int:
    storage = open_storage()
    try:
        return next(i for i, n in team_names(storage.engine).items() if n == name)
    finally:
        storage.close()


def change_own_password(app: AppTest, current: str, new: str) -> None:
    """Fill in and submit the change-password form of ``app``'s page."""
    app.text_input(key="current-password").input(current)
    app.text_input(key="new-password").input(new)
    app.text_input(key="confirm-password").input(new)
    press(app, "Change password")
    assert app.success[0].value.startswith("Password changed"), [e.value for e in app.error]


def one_time_password(app: AppTest) -> str:
    return str(app.code[0].value)


def test_create_team_add_person_and_their_account_signs_in(installation: Installation) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    assert app.title[0].value == "People and teams"
    app.text_input(key="team-name").input("Research")
    app.text_input(key="team-department").input("R&D")
    press(app, "Create team")
    assert app.success[0].value == "Team Research created."
    teams_table = app.dataframe[0].value  # the new team is listed while it is still empty
    assert teams_table.set_index("team").loc["Research", "people"] == 0

    research = app.selectbox(key="person-team").options.index("Research")
    app.text_input(key="person-name").input("Grace Hopper")
    app.text_input(key="person-email").input("grace@example.org")
    app.selectbox(key="person-team").select_index(research)
    app.selectbox(key="person-zone").select("America/New_York")
    press(app, "Add person")
    assert app.success[0].value.startswith("Grace Hopper added to Research")
    assert "Grace Hopper" in list(app.dataframe[1].value["name"])

    storage = open_storage()
    with storage.engine.connect() as connection:
        person_id = connection.execute(
            select(people.c.id).where(people.c.email == "grace@example.org")
        ).scalar_one()
        assert len(public_key_for(connection, person_id).public_key) == 32
    storage.close()
    assert last_actions(2) == ["team.created", "person.created"]

    app.switch_page("app/pages/accounts.py").run()
    app.selectbox(key="new-person").select(person_id)
    create(app, "grace.hopper", "employee")
    assert app.success[0].value == "Account grace.hopper created. Its one-time password:"
    password = one_time_password(app)
    app.run()  # shown once: gone on the next draw
    assert not app.code

    grace = signed_in("grace.hopper", password)
    assert grace.title[0].value == "Change password"  # generated: replaced before all else
    change_own_password(grace, password, "grace's own long phrase")
    grace.switch_page("app/pages/my_day.py").run()
    assert grace.title[0].value == "My day"
    assert "Signed in as **grace.hopper** (employee)" in grace.sidebar.markdown[0].value


def test_move_and_edit_a_person(installation: Installation) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    mover = app.selectbox(key="move-who")
    target = app.selectbox(key="move-to")
    current_team = mover.options[0].rsplit("(", 1)[1].rstrip(")")
    other = next(i for i, n in enumerate(target.options) if n != current_team)
    target.select_index(other)
    press(app, "Move")
    assert app.success[0].value == f"Moved to {target.options[other]}."
    assert last_actions(1) == ["person.moved"]

    who = app.selectbox(key="edit-who").value
    app.selectbox(key=f"edit-zone-{who}").select("Asia/Tokyo")
    press(app, "Save profile")
    assert app.success[0].value == "Saved: timezone."
    app.selectbox(key=f"edit-zone-{who}").select("Asia/Tokyo")
    press(app, "Save profile")
    assert app.error[0].value == "Not saved: nothing to change: the profile already reads so"


def test_a_bad_person_is_refused_in_one_line(installation: Installation) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    before = len(app.dataframe[1].value)
    app.text_input(key="person-name").input("No Mail")
    app.text_input(key="person-email").input("no-mail")
    press(app, "Add person")
    assert app.error[0].value == "Not saved: e-mail must look like name@example.org"
    assert len(app.dataframe[1].value) == before


@pytest.mark.parametrize(("role", "first_page"), [("manager", "Team overview"), ("dpo", None)])
def test_create_a_manager_and_a_dpo(
    installation: Installation, role: str, first_page: str | None
) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    app.switch_page("app/pages/accounts.py").run()
    if role == "manager":
        app.multiselect(key="new-teams").select(team_id("Platform"))
    create(app, f"new-{role}", role)
    assert app.success[0].value == f"Account new-{role} created. Its one-time password:", [
        e.value for e in app.error
    ]
    one_time = one_time_password(app)
    signed = signed_in(f"new-{role}", one_time)
    assert f"Signed in as **new-{role}** ({role})" in signed.sidebar.markdown[0].value
    change_own_password(signed, one_time, f"new-{role}'s own long phrase")
    if first_page:
        signed = signed_in(f"new-{role}", f"new-{role}'s own long phrase")
        assert signed.title[0].value == first_page


def test_a_manager_needs_a_team(installation: Installation) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    app.switch_page("app/pages/accounts.py").run()
    create(app, "lonely-manager", "manager")
    assert app.error[0].value == "Not saved: a manager account needs at least one team"
    create(app, "ilse.marchetti", "dpo")
    assert app.error[0].value.startswith("Not saved: that username is taken")


def create(app: AppTest, username: str, role: str) -> AppTest:
    """Fill in and submit the account form (teams or person set by the caller first)."""
    app.text_input(key="new-username").input(username)
    app.selectbox(key="new-role").select(role)
    return press(app, "Create account")


def manage(app: AppTest, username: str) -> None:
    box = app.selectbox(key="manage-account")
    box.select_index(next(i for i, o in enumerate(box.options) if o.startswith(f"{username} (")))
    app.run()


def test_reset_password_and_disable_an_account(installation: Installation) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    app.switch_page("app/pages/accounts.py").run()
    manage(app, "ilse.marchetti")
    press(app, "Reset password")
    assert app.success[0].value.startswith("New password for ilse.marchetti")
    new = one_time_password(app)
    old = signed_in("ilse.marchetti", installation.demo_password)
    assert old.error[0].value.startswith("Wrong")
    assert is_signed_in(signed_in("ilse.marchetti", new), "ilse.marchetti")

    manage(app, "ilse.marchetti")
    press(app, "Disable account")
    assert app.success[0].value == "ilse.marchetti disabled."
    assert signed_in("ilse.marchetti", new).error[0].value.startswith("Wrong username or password")
    manage(app, "ilse.marchetti")
    press(app, "Enable account")
    assert is_signed_in(signed_in("ilse.marchetti", new), "ilse.marchetti")
    assert last_actions(3) == ["account.password_reset", "account.disabled", "account.enabled"]


def test_an_admin_cannot_disable_or_demote_themselves_nor_the_last_admin(
    installation: Installation,
) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    app.switch_page("app/pages/accounts.py").run()
    manage(app, ADMIN)
    press(app, "Disable account")
    assert app.error[0].value == "Not saved: you cannot disable your own account; ask another admin"
    # With sigrid.lindqvist disabled, ADMIN is the last enabled admin.
    manage(app, "sigrid.lindqvist")
    press(app, "Disable account")
    manage(app, ADMIN)
    press(app, "Disable account")
    assert app.error[0].value.startswith("Not saved: cannot disable the last enabled admin")
    app.selectbox(key=f"role-{app.selectbox(key='manage-account').value}-role").select("dpo")
    press(app, "Save role and teams")
    assert app.error[0].value.startswith("Not saved: cannot demote the last enabled admin")
    assert signed_in(ADMIN, installation.admin_password).title[0].value == "People and teams"
    manage(app, "sigrid.lindqvist")
    press(app, "Enable account")


def test_policy_forms_validate_and_save(installation: Installation) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    app.switch_page("app/pages/policies.py").run()
    app.number_input(key="policy-k").set_value(2)
    press(app, "Save k")
    assert app.error[0].value == "Not saved: k_anonymity must be at least 3, got 2"
    app.number_input(key="policy-k").set_value(500)
    press(app, "Save k")
    assert app.error[0].value.startswith("Not saved: k_anonymity 500 is above the ")
    app.number_input(key="policy-k").set_value(6)
    app.checkbox(key="policy-k-confirm").check()  # 6 may be above the largest team by now
    press(app, "Save k")
    assert app.success[0].value == "Saved: k_anonymity."

    app.number_input(key="policy-interval").set_value(25 * 60)  # a slip: over a day
    press(app, "Save screenshots and idle time")
    assert app.error[0].value.startswith("Not saved: screenshot_interval_seconds must be at most")
    app.number_input(key="policy-interval").set_value(5)
    app.checkbox(key="policy-blur").check()
    press(app, "Save screenshots and idle time")
    assert app.success[0].value == "Saved: screenshot_blur, screenshot_interval_seconds."

    app.number_input(key="policy-ingest-back").set_value(0)
    press(app, "Save ingestion window")
    assert app.error[0].value.startswith("Not saved: ingest_window_back_days must be positive")
    app.number_input(key="policy-ingest-back").set_value(14)
    app.number_input(key="policy-ingest-skew").set_value(15)
    press(app, "Save ingestion window")
    assert app.success[0].value == "Saved: ingest_clock_max_skew_minutes, ingest_window_back_days."

    app.number_input(key="policy-retention-screenshots").set_value(0)
    press(app, "Save retention periods")
    assert app.error[0].value.startswith("Not saved: retention_days.screenshots must be 1-")
    app.number_input(key="policy-retention-screenshots").set_value(14)
    press(app, "Save retention periods")

    app.selectbox(key="policy-ratings-scope").select("Platform")
    app.run()
    app.selectbox(key="policy-rating-Platform-browsing").select("unproductive")
    press(app, "Save ratings")
    assert app.success[0].value == "Saved: category_ratings."

    storage = open_storage()
    stored = policies(storage.engine)
    assert stored["k_anonymity"] == 6 and stored["screenshot_blur"] is True
    assert stored["screenshot_interval_seconds"] == 300
    assert stored["ingest_window_back_days"] == 14
    assert stored["ingest_clock_max_skew_minutes"] == 15
    assert stored["retention_days"]["screenshots"] == 14
    assert stored["category_ratings"]["Platform"] == {"browsing": "unproductive"}
    assert audit.verify(storage.engine).ok
    storage.close()
    assert last_actions(1) == ["policy.changed"]


def test_a_manager_keeps_at_least_one_team(installation: Installation) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    app.switch_page("app/pages/accounts.py").run()
    storage = open_storage()
    manage(app, managers_by_team(storage)["Platform"])
    storage.close()
    chosen = app.selectbox(key="manage-account").value
    app.multiselect(key=f"role-{chosen}-teams").unselect(team_id("Platform"))
    press(app, "Save role and teams")
    assert app.error[0].value == "Not saved: a manager account needs at least one team"


def test_saving_a_role_unchanged_says_so_and_logs_nothing(installation: Installation) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    app.switch_page("app/pages/accounts.py").run()
    storage = open_storage()
    manage(app, managers_by_team(storage)["Platform"])
    storage.close()
    before = len(last_actions(10**6))
    press(app, "Save role and teams")
    assert app.info[0].value.startswith("Nothing changed:") and not app.success
    assert len(last_actions(10**6)) == before  # no entry claiming a change


def test_the_controller_and_dpo_are_named_on_the_policies_page(
    installation: Installation,
) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    app.switch_page("app/pages/policies.py").run()
    assert app.text_input(key="policy-controller-name").value == "Acme Example Ltd (fictitious)"
    app.text_input(key="policy-data_protection_officer-name").input("Grace Hopper")
    app.text_input(key="policy-data_protection_officer-contact").input("dpo@acme.example")
    press(app, "Save controller and DPO")
    assert app.success[0].value == "Saved: data_protection_officer."
    app.text_input(key="policy-controller-contact").input("line one\nline two")
    press(app, "Save controller and DPO")
    assert app.error[0].value.startswith("Not saved: controller.contact must be one line")
    storage = open_storage()
    stored = policies(storage.engine)
    storage.close()
    assert stored["data_protection_officer"] == {
        "name": "Grace Hopper",
        "contact": "dpo@acme.example",
    }
    assert stored["controller"]["contact"] == "privacy@acme.example"
    policy = " ".join(m.value for m in app.sidebar.markdown)
    assert "Grace Hopper (dpo@acme.example)" in policy


def test_an_admin_links_an_account_to_its_os_account(installation: Installation) -> None:
    app = signed_in(ADMIN, installation.admin_password)
    app.switch_page("app/pages/accounts.py").run()
    manage(app, "ilse.marchetti")
    chosen = app.selectbox(key="manage-account").value
    assert app.text_input(key=f"os-{chosen}-name").value  # `traq demo` linked its runner
    app.text_input(key=f"os-{chosen}-name").input("ilse")
    press(app, "Save OS account")
    assert app.success[0].value == "ilse.marchetti: OS account ilse."
    accounts = app.dataframe[0].value.set_index("username")
    assert accounts.loc["ilse.marchetti", "OS account"] == "ilse"
    app.text_input(key=f"os-{chosen}-name").input("no such/user")
    press(app, "Save OS account")
    assert app.error[0].value.startswith("Not saved: an OS account name is")
    assert last_actions(1) == ["account.os_user_linked"]
