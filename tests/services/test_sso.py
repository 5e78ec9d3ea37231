"""Single sign-on: claims name one enabled account or are refused; never an implicit account;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, update

from services.errors import IdentityRefused
from services.sso import account_for_claims, is_fresh, open_session
from storage.accounts import create_user
from storage.db import schema
from tests.analytics.builders import add_person, add_team

NOW = datetime(2026, 4, 1, 9, tzinfo=UTC)


def _people(engine: Engine) -> tuple[int, int]:
    """An employee with an e-mail address and an admin without a person."""
    with engine.begin() as connection:
        person, _ = add_person(connection, add_team(connection, "A"))
        connection.execute(
            update(schema.people)
            .where(schema.people.c.id == person)
            .values(email="Ada.Lovelace@Acme.example")
        )
        employee = create_user(connection, "ada.lovelace", "employee", None, NOW, person)
        admin = create_user(connection, "ines", "admin", None, NOW)
    return employee, admin


def test_an_email_claim_names_the_persons_account_whatever_its_case(engine: Engine) -> None:
    employee, _ = _people(engine)
    account = account_for_claims(engine, {"email": "ada.lovelace@acme.EXAMPLE"})
    assert (account.user_id, account.role) == (employee, "employee")


def test_another_claim_names_an_account_by_username(engine: Engine) -> None:
    _, admin = _people(engine)
    claims = {"preferred_username": "ines", "email": "someone@acme.example"}
    account = account_for_claims(engine, claims, "preferred_username")
    assert (account.user_id, account.role) == (admin, "admin")


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"email": "stranger@acme.example"}, "No TraqNext account belongs to this identity"),
        ({"name": "Ada"}, "sent no 'email' claim"),
        ({"email": "  "}, "sent no 'email' claim"),
        (
            {"email": "ada.lovelace@acme.example", "email_verified": False},
            "has not verified this e-mail address",
        ),
    ],
)
def test_unknown_or_unusable_identities_are_refused_and_nothing_is_created(
    engine: Engine, claims: dict[str, object], message: str
) -> None:
    _people(engine)
    with pytest.raises(IdentityRefused, match=message):
        account_for_claims(engine, claims)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(schema.users)).scalar() == 2


def test_a_disabled_account_is_refused(engine: Engine) -> None:
    employee, _ = _people(engine)
    with engine.begin() as connection:
        connection.execute(
            update(schema.users).where(schema.users.c.id == employee).values(disabled_at=NOW)
        )
    with pytest.raises(IdentityRefused, match="disabled"):
        account_for_claims(engine, {"email": "ada.lovelace@acme.example"})


def test_a_single_sign_on_and_a_refusal_are_in_the_audit_log(engine: Engine) -> None:
    employee, _ = _people(engine)
    open_session(engine, {"email": "ada.lovelace@acme.example"}, "email", NOW)
    with pytest.raises(IdentityRefused):
        open_session(engine, {"email": "stranger@acme.example"}, "email", NOW)
    log = schema.audit_log.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(log.action, log.actor, log.subject_ref, log.details).order_by(log.seq)
        ).all()
    me = f"user:{employee}"
    assert [tuple(r) for r in rows[-2:]] == [
        ("account.signed_in", me, me, {"method": "oidc"}),
        ("account.sign_in_failed", "anonymous", None, {"method": "oidc", "known": False}),
    ]
    assert "stranger" not in str(rows)  # the refused identity's claims are not logged


def test_an_identity_is_fresh_only_within_the_session_limit() -> None:
    issued = NOW.timestamp() - 600
    assert is_fresh({"iat": issued}, NOW, 900)
    assert not is_fresh({"iat": issued}, NOW, 300)
    assert not is_fresh({"iat": NOW.timestamp(), "auth_time": issued}, NOW, 300)
    assert is_fresh({}, NOW, 300)


def test_an_identity_naming_several_accounts_is_refused(engine: Engine) -> None:
    employee, _ = _people(engine)
    with engine.begin() as connection:
        person = connection.execute(
            select(schema.users.c.person_id).where(schema.users.c.id == employee)
        ).scalar_one()
        create_user(connection, "ada-manager", "manager", None, NOW, person)
    with pytest.raises(IdentityRefused, match="several TraqNext accounts"):
        account_for_claims(engine, {"email": "ada.lovelace@acme.example"})
