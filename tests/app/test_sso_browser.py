"""Single sign-on in a real browser: `traq app` configured as the README says, signing in
through a real OpenID Connect provider (oidc-provider-mock) on loopback, in chromium.

The provider's authorization form takes a subject; its claims (the e-mail address the
workbench matches) are set beforehand through the provider's own API."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy import func, select

from storage.db.schema import audit_log, people, users
from tests.app.browser import chromium, free_port, serving, settle
from tests.app.conftest import Demo, storage_of

pytestmark = [
    pytest.mark.slow,
    # The provider (in this process) calls Authlib's deprecated APIs; not our code.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
REFUSED = "No TraqNext account belongs to this identity; ask an administrator to create one."


@contextmanager
def provider() -> Iterator[str]:
    """oidc-provider-mock on 127.0.0.1 in a thread of this process; its issuer URL."""
    import werkzeug.serving
    from oidc_provider_mock import app

    server = werkzeug.serving.make_server("127.0.0.1", 0, app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def set_identity(issuer: str, sub: str, claims: dict[str, Any]) -> None:
    """Give the provider's subject ``sub`` these claims (its API: PUT /users/<sub>)."""
    request = urllib.request.Request(
        f"{issuer}/users/{sub}",
        data=json.dumps(claims).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=5) as reply:
        assert reply.status == 204


def write_secrets(path: Path, workbench: str, issuer: str) -> Path:
    """The README's single-provider ``[auth]`` section for this workbench and provider."""
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "{workbench}/oauth2callback"\n'
        'cookie_secret = "a-test-cookie-secret-that-is-long-enough"\n'
        'client_id = "traqnext"\n'
        'client_secret = "not-a-secret"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
    )
    path.chmod(0o600)
    return path


def an_employee(demo: Demo) -> tuple[str, str]:
    """An employee account of the demo with an e-mail address: (username, e-mail)."""
    storage = storage_of(demo.env)
    try:
        with storage.engine.connect() as connection:
            row = connection.execute(
                select(users.c.username, people.c.email)
                .join(people, people.c.id == users.c.person_id)
                .where(users.c.role == "employee", people.c.email.is_not(None))
                .order_by(users.c.id)
            ).first()
    finally:
        storage.close()
    assert row is not None
    return str(row.username), str(row.email)


def audit_after(demo: Demo, seq: int) -> list[tuple[str, str, dict[str, Any]]]:
    """The audit log's (action, actor, details) after entry ``seq``."""
    storage = storage_of(demo.env)
    try:
        with storage.engine.connect() as connection:
            rows = connection.execute(
                select(audit_log.c.action, audit_log.c.actor, audit_log.c.details)
                .where(audit_log.c.seq > seq)
                .order_by(audit_log.c.seq)
            ).all()
    finally:
        storage.close()
    return [(str(r.action), str(r.actor), dict(r.details)) for r in rows]


def last_seq(demo: Demo) -> int:
    """The audit log's newest entry."""
    storage = storage_of(demo.env)
    try:
        with storage.engine.connect() as connection:
            return int(connection.scalar(select(func.coalesce(func.max(audit_log.c.seq), 0))))
    finally:
        storage.close()


@pytest.fixture(scope="module")
def rig(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The provider and the workbench signing in through it: (workbench URL, issuer URL)."""
    port = free_port()
    workbench = f"http://127.0.0.1:{port}"
    with provider() as issuer:
        secrets = write_secrets(tmp_path_factory.mktemp("sso") / "secrets.toml", workbench, issuer)
        env = demo.env | {"STREAMLIT_SECRETS_FILES": str(secrets)}
        with serving(env, port=port) as url:
            yield url, issuer


def sign_in_through_provider(page: Any, workbench: str, sub: str) -> None:
    """Click the sign-in button, authorize ``sub`` on the provider's form, come back."""
    page.goto(workbench)
    page.get_by_role("button", name="Sign in with single sign-on").click()
    page.wait_for_url(lambda url: "/oauth2/authorize" in url, timeout=30_000)
    page.locator('input[name="sub"]').fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(lambda url: url.rstrip("/") == workbench, timeout=30_000)
    settle(page)


@contextmanager
def browser_page() -> Iterator[tuple[Any, list[str]]]:
    """A chromium page, and the page each request off loopback came from (blocked)."""
    with chromium() as context:
        outside: list[str] = []

        def guard(route: Any) -> None:
            if urlparse(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                outside.append(route.request.frame.url)
                route.abort()

        context.route("**/*", guard)
        yield context.new_page(), outside


def only_the_provider_reached_out(outside: list[str], issuer: str) -> bool:
    """Whether every request off loopback came from the test provider's own pages (its
    stylesheet is on a CDN), none from the workbench."""
    return all(page.startswith(issuer) for page in outside)


def test_an_account_signs_in_through_the_identity_provider(
    demo: Demo, rig: tuple[str, str]
) -> None:
    workbench, issuer = rig
    username, email = an_employee(demo)
    set_identity(issuer, "sso-employee", {"email": email.upper(), "email_verified": True})
    before = last_seq(demo)
    with browser_page() as (page, outside):
        sign_in_through_provider(page, workbench, "sso-employee")
        sidebar = page.locator('[data-testid="stSidebar"]')
        signed_in = sidebar.get_by_text(f"Signed in as {username} (employee)")
        signed_in.wait_for(timeout=30_000)
        assert page.get_by_role("heading", name="My day").first.is_visible()
        assert page.get_by_label("Password", exact=True).count() == 0
        page.reload()  # the provider's identity is kept in a cookie: still signed in
        settle(page)
        signed_in.wait_for(timeout=30_000)

        sidebar.get_by_role("button", name="Sign out").click()  # out of the provider too
        page.wait_for_url(lambda url: "/oauth2/end_session" in url, timeout=30_000)
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(lambda url: url.rstrip("/") == workbench, timeout=30_000)
        settle(page)
        page.get_by_role("heading", name="Sign in to TraqNext").wait_for(timeout=30_000)
        page.reload()  # the identity's cookie is gone: no session opens again
        settle(page)
        page.get_by_role("button", name="Sign in with single sign-on").wait_for()
        assert page.get_by_text("Signed in as").count() == 0
    assert only_the_provider_reached_out(outside, issuer)
    sessions = [(a, d) for a, _, d in audit_after(demo, before) if a.startswith("account.")]
    assert sessions == [  # the reload opened a second session from the provider's identity
        ("account.signed_in", {"method": "oidc"}),
        ("account.signed_in", {"method": "oidc"}),
        ("account.signed_out", {}),
    ]


def test_an_identity_that_names_no_account_is_refused(demo: Demo, rig: tuple[str, str]) -> None:
    workbench, issuer = rig
    set_identity(issuer, "stranger", {"email": "stranger@elsewhere.example"})
    before = last_seq(demo)
    with browser_page() as (page, outside):
        sign_in_through_provider(page, workbench, "stranger")
        page.get_by_text(REFUSED).wait_for(timeout=30_000)
        assert page.get_by_text(REFUSED).count() == 1
        assert page.get_by_text("Signed in as").count() == 0
        assert page.get_by_role("heading", name="Sign in to TraqNext").is_visible()
    assert only_the_provider_reached_out(outside, issuer)
    assert [(a, actor, d) for a, actor, d in audit_after(demo, before)] == [
        ("account.sign_in_failed", "anonymous", {"method": "oidc", "known": False}),
    ]
