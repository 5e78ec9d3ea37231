"""Sign-in: argon2 passwords, disabled accounts refused, sessions that expire when idle."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from services.accounts import authenticate
from services.sign_in_guard import FREE_TRIES
from storage import Storage, open_storage
from storage.accounts import create_user, hash_password
from storage.db.schema import users
from tests.app.conftest import ENTRY, Demo, signed_in
from tests.traq.cli import traq


def test_the_right_password_signs_in_to_the_roles_first_page(demo: Demo) -> None:
    manager = demo.manager_of("Platform")
    app = signed_in(manager, demo.password)
    assert app.title[0].value == "Team overview"
    assert f"Signed in as **{manager}** (manager)" in app.sidebar.markdown[0].value


@pytest.mark.parametrize(("name", "password"), [("sigrid.lindqvist", "wrong"), ("nobody", "x")])
def test_a_wrong_password_or_unknown_name_is_refused(demo: Demo, name: str, password: str) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(ENTRY, default_timeout=30).run()
    app.text_input[0].input(name)
    app.text_input[1].input(password)
    app.button[0].click()
    app.run()
    assert app.error[0].value.startswith("Wrong username or password")
    assert app.title[0].value == "Sign in to TraqNext"


def test_a_disabled_account_is_refused_and_signed_out(demo: Demo) -> None:
    storage = open_storage()
    now = datetime.now(UTC)
    with storage.engine.begin() as connection:
        create_user(connection, "temp-admin", "admin", hash_password("s3cret-pass"), now)
    app = signed_in("temp-admin", "s3cret-pass")
    assert app.title[0].value == "People and teams"
    with storage.engine.begin() as connection:
        connection.execute(
            update(users).where(users.c.username == "temp-admin").values(disabled_at=now)
        )
    storage.close()
    app.run()  # the open session ends on its next request
    assert app.title[0].value == "Sign in to TraqNext"
    app.text_input[0].input("temp-admin")
    app.text_input[1].input("s3cret-pass")
    app.button[0].click()
    app.run()
    assert app.error[0].value.startswith("Wrong username or password, or the account is disabled")


def test_an_idle_session_expires(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAQ_SESSION_IDLE_MINUTES", "5")
    app = signed_in("ilse.marchetti", demo.password)
    app.session_state["last_seen"] = time.time() - 4 * 60
    app.run()
    assert app.title[0].value != "Sign in to TraqNext"  # still signed in after 4 minutes
    app.session_state["last_seen"] = time.time() - 6 * 60
    app.run()
    assert app.title[0].value == "Sign in to TraqNext"
    assert app.info[0].value == "Your session expired; please sign in again."


def test_sign_out_ends_the_session(demo: Demo) -> None:
    app = signed_in("ilse.marchetti", demo.password)
    app.sidebar.button[0].click()
    app.run()
    assert app.title[0].value == "Sign in to TraqNext"


def test_an_installation_without_admin_says_how_to_name_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo: Demo
) -> None:
    from streamlit.testing.v1 import AppTest

    hint = "No admin account yet"
    demo_page = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert not [i for i in demo_page.info if hint in i.value]  # the demo has sigrid.lindqvist
    env = {"TRAQ_DATA_DIR": str(tmp_path / "bare")}
    assert traq("init", env=env).returncode == 0
    monkeypatch.setenv("TRAQ_DATA_DIR", env["TRAQ_DATA_DIR"])
    bare = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert not bare.exception
    assert any(hint in i.value and "traq init --admin YOUR-NAME" in i.value for i in bare.info)


def _try(name: str, password: str) -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=30).run()
    app.text_input[0].input(name)
    app.text_input[1].input(password)
    app.button[0].click()
    return app.run()


def test_guessing_one_account_slows_down_even_for_the_right_password(demo: Demo) -> None:
    for _ in range(FREE_TRIES):
        assert _try("sigrid.lindqvist", "guess").error[0].value.startswith("Wrong username")
    locked = _try("sigrid.lindqvist", demo.password)
    assert locked.error[0].value.startswith("Too many failed sign-ins: try again in 1 s")
    assert locked.title[0].value == "Sign in to TraqNext"
    assert _try("ilse.marchetti", demo.password).title[0].value != "Sign in to TraqNext"
    time.sleep(1.1)  # the first wait is one second
    assert _try("sigrid.lindqvist", demo.password).title[0].value != "Sign in to TraqNext"


def test_an_unknown_name_costs_as_much_as_a_wrong_password(installation: Storage) -> None:
    # A private copy: a dozen wrong passwords lock the account there (ten in a row do).
    def slowest_half(name: str) -> float:
        times = []
        for _ in range(6):
            started = time.perf_counter()
            assert authenticate(installation.engine, name, "not-the-password") is None
            times.append(time.perf_counter() - started)
        return sorted(times)[3]

    slowest_half("sigrid.lindqvist")  # warm the decoy hash and the connection pool
    known, unknown = slowest_half("sigrid.lindqvist"), slowest_half("no.such.person")
    # Without the decoy an unknown name answered in 0.1 ms against 210 ms.
    assert unknown > known / 3, (known, unknown)
