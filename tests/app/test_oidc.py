"""OIDC sign-in by configuration: the sign-in page offers the configured providers, passwords
can be turned off, and a provider's identity opens a session for the one account it names,
or is refused. ``st.user`` is seeded through ``AppTest.user`` (no identity provider here)."""

from __future__ import annotations

import sys
import time
from typing import Any

import pytest
from sqlalchemy import func, select, update
from streamlit.testing.v1 import AppTest

from app.oidc import SignInConfigError, sign_in_methods
from storage import Storage, open_storage
from storage.db.schema import audit_log, people, users
from tests.app.accounts import employee_in_team
from tests.app.conftest import ENTRY, Demo

PROVIDER = {
    "client_id": "traq",
    "client_secret": "not-a-secret",
    "server_metadata_url": "https://login.example/.well-known/openid-configuration",
}
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-of-32-bytes!",
    "google": PROVIDER,
}


def _app(user: dict[str, Any] | None = None, auth: dict[str, Any] | None = None) -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=30)
    app.secrets["auth"] = AUTH if auth is None else auth
    app.user = user if user is not None else {}
    return app.run()


def _email_of(username: str) -> str:
    storage = open_storage()
    try:
        with storage.engine.connect() as connection:
            query = select(people.c.email).join(users, users.c.person_id == people.c.id)
            return str(connection.execute(query.where(users.c.username == username)).scalar())
    finally:
        storage.close()


def _labels(app: AppTest) -> list[str]:
    return [b.label for b in app.button]


@pytest.mark.parametrize(
    ("environ", "section", "passwords", "providers"),
    [
        ({}, {}, True, ()),
        ({}, AUTH, True, ("google",)),
        ({}, {**PROVIDER, "redirect_uri": "x", "okta": PROVIDER}, True, ("default", "okta")),
        ({"TRAQ_AUTH": "oidc"}, AUTH, False, ("google",)),
        ({"TRAQ_AUTH": "Password"}, AUTH, True, ()),
    ],
)
def test_the_configuration_decides_the_sign_in_methods(
    environ: dict[str, str],
    section: dict[str, Any],
    passwords: bool,
    providers: tuple[str, ...],
) -> None:
    methods = sign_in_methods(environ, section)
    assert (methods.passwords, methods.providers) == (passwords, providers)


@pytest.mark.parametrize(
    ("environ", "section", "message"),
    [
        ({"TRAQ_AUTH": "oidc"}, {}, "TRAQ_AUTH=oidc needs an [auth] section"),
        ({"TRAQ_AUTH": "ldap"}, {}, "TRAQ_AUTH must be one of password, oidc, both, not 'ldap'"),
        ({}, {"azure_ad": PROVIDER}, "The provider name [auth.azure_ad] may not hold an under"),
    ],
)
def test_a_configuration_that_cannot_work_says_what_to_change(
    environ: dict[str, str], section: dict[str, Any], message: str
) -> None:
    with pytest.raises(SignInConfigError) as raised:
        sign_in_methods(environ, section)
    assert str(raised.value).startswith(message)


def test_a_configured_provider_is_offered_beside_the_password_form(demo: Demo) -> None:
    app = _app()
    assert app.title[0].value == "Sign in to TraqNext"
    assert "Sign in with Google" in _labels(app)
    assert [t.label for t in app.text_input] == ["Username", "Password"]


def test_traq_auth_oidc_turns_passwords_off(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAQ_AUTH", "oidc")
    app = _app()
    assert _labels(app) == ["Sign in with Google"]
    assert not app.text_input


def test_oidc_without_a_provider_is_a_clear_error(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAQ_AUTH", "oidc")
    app = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert not app.exception
    assert app.error[0].value.startswith("TRAQ_AUTH=oidc needs an [auth] section")
    assert not app.text_input and not app.button


def test_the_provider_button_explains_when_sign_on_cannot_start(demo: Demo) -> None:
    app = _app()
    app.button(key="sso-google").click().run()
    assert not app.exception
    assert app.error[0].value.startswith("Single sign-on is not available: ")


def test_a_missing_module_of_the_sso_extra_is_named_before_any_redirect(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m.startswith("authlib.integrations.")]:
        monkeypatch.delitem(sys.modules, name)  # imported afresh, without httpx
    monkeypatch.setitem(sys.modules, "httpx", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "httpx2", None)
    app = _app()
    app.button(key="sso-google").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "Single sign-on is not available: the Python module httpx is missing; install "
        'TraqNext with its sso extra: `pip install -e ".[sso]"`.'
    ]


def test_a_known_identity_opens_a_session_for_its_account(demo: Demo) -> None:
    username, _ = employee_in_team(1)
    claims = {"is_logged_in": True, "email": _email_of(username).upper(), "iat": time.time()}
    app = _app(claims)
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "My day"
    assert app.session_state["account"].username == username

    app.sidebar.button[0].click().run()  # sign out: the provider's identity goes too
    assert app.user.get("is_logged_in") is not True and "account" not in app.session_state
    assert not app.title  # the run ends there: the browser is on its way to the provider
    app.run()
    assert app.title[0].value == "Sign in to TraqNext"


def test_an_identity_need_not_change_a_generated_password(
    demo: Demo, installation: Storage
) -> None:
    username, _ = employee_in_team(1)
    with installation.engine.begin() as connection:
        connection.execute(
            update(users).where(users.c.username == username).values(must_change_password=True)
        )
    claims = {"is_logged_in": True, "email": _email_of(username), "iat": time.time()}
    app = _app(claims)
    assert app.title[0].value == "My day"  # the provider vouched; no password is in use
    app.run()
    assert app.title[0].value == "My day"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"email": "stranger@acme.example"}, "No TraqNext account belongs to this identity"),
        ({"name": "No Mail"}, "The identity provider sent no 'email' claim"),
    ],
)
def test_an_unknown_identity_is_refused_and_no_account_is_made(
    demo: Demo, claims: dict[str, Any], message: str
) -> None:
    app = _app({"is_logged_in": True, "iat": time.time(), **claims})
    assert app.title[0].value == "Sign in to TraqNext"
    assert app.error[0].value.startswith(message)
    assert "account" not in app.session_state
    assert "Use another identity" in _labels(app)


def test_a_refused_identity_is_logged_once_a_session(demo: Demo) -> None:
    before = _refusals()
    app = _app({"is_logged_in": True, "iat": time.time(), "email": "stranger@acme.example"})
    app.run()  # the page runs again: the same refusal, not a second entry
    assert app.error[0].value.startswith("No TraqNext account belongs to this identity")
    assert _refusals() == before + 1


def _refusals() -> int:
    storage = open_storage()
    try:
        with storage.engine.connect() as connection:
            query = select(func.count()).where(audit_log.c.action == "account.sign_in_failed")
            return int(connection.scalar(query) or 0)
    finally:
        storage.close()


def test_a_stale_identity_does_not_reopen_an_expired_session(demo: Demo) -> None:
    username, _ = employee_in_team(1)
    hours_ago = time.time() - 2 * 3600  # older than the 30-minute session limit
    app = _app({"is_logged_in": True, "email": _email_of(username), "iat": hours_ago})
    assert app.title[0].value == "Sign in to TraqNext"
    assert "account" not in app.session_state
    assert not app.error


def test_an_identity_is_ignored_when_no_provider_is_configured(demo: Demo) -> None:
    username, _ = employee_in_team(1)
    claims = {"is_logged_in": True, "email": _email_of(username), "iat": time.time()}
    app = AppTest.from_file(ENTRY, default_timeout=30)
    app.user = claims
    app.run()
    assert app.title[0].value == "Sign in to TraqNext"
    assert "account" not in app.session_state


def test_a_session_opened_by_an_identity_still_expires(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    username, _ = employee_in_team(1)
    ten_minutes_ago = time.time() - 10 * 60
    app = _app({"is_logged_in": True, "email": _email_of(username), "iat": ten_minutes_ago})
    assert app.title[0].value == "My day"
    monkeypatch.setenv("TRAQ_SESSION_IDLE_MINUTES", "5")
    app.session_state["last_seen"] = time.time() - 6 * 60
    app.run()  # idle too long; the identity, older than the limit, cannot reopen it
    assert app.title[0].value == "Sign in to TraqNext"
    assert app.info[0].value == "Your session expired; please sign in again."
    assert "account" not in app.session_state
