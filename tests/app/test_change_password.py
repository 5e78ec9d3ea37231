"""Changing one's password, the first-sign-in change, case-free names and the sign-in lock,
in the workbench (issue 18, Accounts). On a private copy of the demo: these tests write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from services.accounts import authenticate, sign_in
from services.admin import create_account
from storage import Storage
from storage.sign_in_lock import LOCK_AFTER
from tests.app.accounts import account, employee_in_team
from tests.app.conftest import Demo, page_as, signed_in

ADMIN, DPO = "sigrid.lindqvist", "ilse.marchetti"
MINE = "my own long passphrase"


def fill(app: AppTest, current: str, new: str, again: str | None = None) -> AppTest:
    """Submit the change-password form."""
    app.text_input(key="current-password").input(current)
    app.text_input(key="new-password").input(new)
    app.text_input(key="confirm-password").input(new if again is None else again)
    next(b for b in app.button if b.label == "Change password").click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def new_account(installation: Storage, demo: Demo, name: str) -> tuple[int, str]:
    """An account an admin created: its id and one-time password."""
    admin = account(ADMIN, demo.password)
    now = datetime.now(UTC)
    return create_account(installation.engine, admin.user_id, name, "dpo", now)


def test_every_role_can_change_its_password(installation: Storage, demo: Demo) -> None:
    app = signed_in(DPO, demo.password)
    assert app.title[0].value == "Request queue"  # demo accounts: no forced change
    app.switch_page("app/pages/change_password.py").run()
    fill(app, demo.password, MINE, "my own long passphrasE")
    assert app.error[0].value == (
        "Not changed: the new password and its confirmation differ; type both again"
    )
    fill(app, demo.password, "too short")
    assert "at least 12 characters" in app.error[0].value
    fill(app, "not my password", MINE)
    assert app.error[0].value == "Not changed: the current password is wrong"
    fill(app, demo.password, MINE)
    assert app.success[0].value.startswith("Password changed")
    assert signed_in(DPO, demo.password).error[0].value.startswith("Wrong username or password")
    assert signed_in(DPO, MINE).title[0].value == "Request queue"


@pytest.mark.parametrize("role", ["admin", "dpo", "manager", "employee"])
def test_every_role_has_the_page_in_its_navigation(demo: Demo, role: str) -> None:
    names = {"admin": ADMIN, "dpo": DPO, "manager": demo.manager_of("Platform")}
    app = signed_in(names.get(role) or employee_in_team(1)[0], demo.password)
    app.switch_page("app/pages/change_password.py").run()
    assert app.title[0].value == "Change password" and not app.error


def test_signed_out_the_page_refuses(demo: Demo) -> None:
    assert [e.value for e in page_as("app/pages/change_password.py", None).error] == [
        "Please sign in first."
    ]


def test_a_generated_password_must_be_changed_first(installation: Storage, demo: Demo) -> None:
    _, one_time = new_account(installation, demo, "mary.jackson")
    app = signed_in("mary.jackson", one_time)
    assert app.title[0].value == "Change password"
    assert "choose your own" in app.info[0].value
    for path in ("app/pages/dpo_queue.py", "app/pages/home.py"):  # not in the navigation
        try:
            app.switch_page(path)
        except ValueError as exc:
            assert "Could not find a navigation page" in str(exc)
        else:
            raise AssertionError(f"{path} reachable before the change")
    flagged = authenticate(installation.engine, "mary.jackson", one_time)
    direct = page_as("app/pages/dpo_queue.py", flagged)  # a page reached by its URL
    assert [e.value for e in direct.error] == [
        "Please change your password first (Your account: Change password)."
    ]
    assert not direct.dataframe
    fill(app, one_time, MINE)
    assert app.success[0].value.startswith("Password changed")
    app.switch_page("app/pages/dpo_queue.py").run()  # the role's pages are back
    assert app.title[0].value == "Request queue" and not app.error


def test_sign_in_ignores_the_case_of_the_name(demo: Demo) -> None:
    app = signed_in("Ilse.MARCHETTI", demo.password)
    assert "Signed in as **ilse.marchetti** (dpo)" in app.sidebar.markdown[0].value


def test_repeated_failures_lock_the_account_with_a_one_line_message(
    installation: Storage, demo: Demo
) -> None:
    user_id, one_time = new_account(installation, demo, "dorothy.vaughan")
    now = datetime.now(UTC)
    for _ in range(LOCK_AFTER - 1):  # earlier failures, e.g. from another server
        assert sign_in(installation.engine, "dorothy.vaughan", "guess", now).account is None
    app = signed_in("dorothy.vaughan", "tenth guess")
    lines = [e.value for e in app.error]
    assert len(lines) == 1 and lines[0].startswith("This account is locked after too many")
    assert "ask an admin to reset its password" in lines[0]
    locked = signed_in("dorothy.vaughan", one_time)  # even the right password
    assert locked.error[0].value.startswith("This account is locked")

    admin = signed_in(ADMIN, demo.password)
    admin.switch_page("app/pages/accounts.py").run()
    row = admin.dataframe[0].value.set_index("username").loc["dorothy.vaughan"]
    assert row["locked until"].endswith("UTC") and bool(row["must change password"])
    box = admin.selectbox(key="manage-account")
    box.select_index(next(i for i, o in enumerate(box.options) if o.startswith("dorothy.")))
    admin.run()
    next(b for b in admin.button if b.label == "Reset password").click()
    admin.run()
    assert "a lock is lifted" in admin.success[0].value
    fresh = str(admin.code[0].value)
    unlocked = signed_in("dorothy.vaughan", fresh)
    assert unlocked.title[0].value == "Change password"
    assert user_id  # the same account, kept
