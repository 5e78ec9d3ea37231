"""Administration over every backend: checked, all-or-nothing, audit-logged changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from services.accounts import SESSION_ACTIONS, authenticate, policies
from services.admin import (
    AdminRefused,
    NotAllowed,
    add_person,
    add_team,
    change_policies,
    change_role,
    change_teams,
    create_account,
    edit_person,
    move_person,
    reset_password,
    set_enabled,
)
from storage import audit
from storage.accounts import create_user, hash_password
from storage.crypto.keys import create_master_key_file
from storage.db.schema import audit_log, people, subject_keys, teams
from storage.vault import KeyVault, public_key_for

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
ADA = {"display_name": "Ada Lovelace", "email": "ada@example.org", "timezone": "Europe/London"}


@pytest.fixture
def vault(engine: Engine, tmp_path: Path) -> KeyVault:
    """A key vault under a fresh master key."""
    return KeyVault(engine, create_master_key_file(tmp_path / "master.key"))


@pytest.fixture
def admin(engine: Engine) -> int:
    """The acting admin account's id."""
    with engine.begin() as connection:
        return create_user(connection, "rosa", "admin", hash_password("pw-root-1"), NOW)


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        query = select(audit_log.c.action).where(~audit_log.c.action.in_(SESSION_ACTIONS))
        return list(connection.execute(query.order_by("seq")).scalars())


def test_a_person_is_enrolled_with_a_key_pair_and_an_audit_entry(
    engine: Engine, vault: KeyVault, admin: int
) -> None:
    team = add_team(engine, admin, "Platform", "Engineering", NOW)
    person = add_person(engine, vault, admin, ADA, team, NOW)
    with engine.connect() as connection:
        key = public_key_for(connection, person)
        pseudonym = connection.execute(select(people.c.pseudonym)).scalar_one()
    assert len(key.public_key) == 32
    assert pseudonym.startswith("s_") and len(pseudonym) == 18
    assert actions(engine) == ["team.created", "person.created"]
    assert audit.verify(engine).ok


BAD_PROFILES = [
    ({"email": "not-an-address"}, "e-mail must look like name@example.org"),
    ({"timezone": "Mars/Olympus"}, "time zone must be an IANA name"),
    ({"display_name": "  "}, "display name must be 1-200 characters"),
]


def test_a_bad_profile_writes_nothing(engine: Engine, vault: KeyVault, admin: int) -> None:
    team = add_team(engine, admin, "Platform", "Engineering", NOW)
    for change, message in BAD_PROFILES:
        with pytest.raises(AdminRefused, match=message):
            add_person(engine, vault, admin, {**ADA, **change}, team, NOW)
    assert count(engine, people) == 0 and count(engine, subject_keys) == 0
    assert actions(engine) == ["team.created"]


def test_duplicates_are_refused_in_one_line(engine: Engine, vault: KeyVault, admin: int) -> None:
    team = add_team(engine, admin, "Platform", "Engineering", NOW)
    with pytest.raises(AdminRefused, match="a team with that name already exists"):
        add_team(engine, admin, "platform", "Other", NOW)
    add_person(engine, vault, admin, ADA, team, NOW)
    with pytest.raises(AdminRefused, match="already has that e-mail address"):
        add_person(engine, vault, admin, {**ADA, "email": "ADA@example.org"}, team, NOW)
    assert count(engine, teams) == 1 and count(engine, people) == 1


def test_move_and_edit_are_audited_without_the_values(
    engine: Engine, vault: KeyVault, admin: int
) -> None:
    first = add_team(engine, admin, "Platform", "Engineering", NOW)
    second = add_team(engine, admin, "Legal", "Legal", NOW)
    person = add_person(engine, vault, admin, ADA, first, NOW)
    move_person(engine, admin, person, second, NOW)
    with pytest.raises(AdminRefused, match="already in that team"):
        move_person(engine, admin, person, second, NOW)
    changed = edit_person(engine, admin, person, {**ADA, "timezone": "Europe/Paris"}, NOW)
    assert changed == ["timezone"]
    with engine.connect() as connection:
        row = connection.execute(select(people.c.team_id, people.c.timezone)).one()
        changes = select(audit_log).where(~audit_log.c.action.in_(SESSION_ACTIONS))
        entry = connection.execute(changes.order_by(audit_log.c.seq.desc())).first()
    assert (row.team_id, row.timezone) == (second, "Europe/Paris")
    assert entry is not None and entry.details == {"fields": ["timezone"]}
    assert "Paris" not in str(entry.details)


def test_each_role_gets_a_named_account_with_a_one_time_password(
    engine: Engine, vault: KeyVault, admin: int
) -> None:
    team = add_team(engine, admin, "Platform", "Engineering", NOW)
    person = add_person(engine, vault, admin, ADA, team, NOW)
    made = {
        "ada": create_account(engine, admin, "ada", "employee", NOW, person_id=person),
        "boss": create_account(engine, admin, "boss", "manager", NOW, team_ids=[team]),
        "privacy": create_account(engine, admin, "privacy", "dpo", NOW),
        "second": create_account(engine, admin, "second", "admin", NOW),
    }
    for name, (_, password) in made.items():
        signed = authenticate(engine, name, password)
        assert signed is not None
    boss = authenticate(engine, "boss", made["boss"][1])
    assert boss is not None and boss.team_ids == frozenset({team})
    ada = authenticate(engine, "ada", made["ada"][1])
    assert ada is not None and ada.person_id == person


BAD_ACCOUNTS = [
    ("rosa", "dpo", "that username is taken"),
    ("Admin-2", "admin", "names a role, not a person"),
    ("x", "employee", "an employee account needs its person"),
    ("x", "manager", "a manager account needs at least one team"),
    ("x", "owner", "role must be one of"),
    ("bad name", "dpo", "username must be 1-64 letters"),
]


def test_a_bad_account_is_refused(engine: Engine, admin: int) -> None:
    for username, role, message in BAD_ACCOUNTS:
        with pytest.raises(AdminRefused, match=message):
            create_account(engine, admin, username, role, NOW)
    assert actions(engine) == []


def test_a_person_has_one_account(engine: Engine, vault: KeyVault, admin: int) -> None:
    team = add_team(engine, admin, "Platform", "Engineering", NOW)
    person = add_person(engine, vault, admin, ADA, team, NOW)
    create_account(engine, admin, "ada", "employee", NOW, person_id=person)
    with pytest.raises(AdminRefused, match="that person already has an account"):
        create_account(engine, admin, "ada2", "employee", NOW, person_id=person)


def test_a_reset_password_replaces_the_old_one(engine: Engine, admin: int) -> None:
    user, old = create_account(engine, admin, "privacy", "dpo", NOW)
    new = reset_password(engine, admin, user, NOW)
    assert authenticate(engine, "privacy", old) is None
    assert authenticate(engine, "privacy", new) is not None
    assert actions(engine)[-1] == "account.password_reset"


def test_a_disabled_account_cannot_sign_in_until_enabled(engine: Engine, admin: int) -> None:
    user, password = create_account(engine, admin, "privacy", "dpo", NOW)
    set_enabled(engine, admin, user, False, NOW)
    assert authenticate(engine, "privacy", password) is None
    with pytest.raises(NotAllowed):  # a disabled account administers nothing either
        reset_password(engine, user, admin, NOW)
    set_enabled(engine, admin, user, True, NOW)
    assert authenticate(engine, "privacy", password) is not None


def test_the_last_enabled_admin_can_be_neither_disabled_nor_demoted(
    engine: Engine, admin: int
) -> None:
    with pytest.raises(AdminRefused, match="cannot disable the last enabled admin"):
        set_enabled(engine, admin, admin, False, NOW)
    with pytest.raises(AdminRefused, match="cannot demote the last enabled admin"):
        change_role(engine, admin, admin, "dpo", NOW)
    assert authenticate(engine, "rosa", "pw-root-1") is not None
    assert actions(engine) == []


def test_an_admin_cannot_disable_or_demote_themselves(engine: Engine, admin: int) -> None:
    other, _ = create_account(engine, admin, "second", "admin", NOW)
    with pytest.raises(AdminRefused, match="you cannot disable your own account"):
        set_enabled(engine, admin, admin, False, NOW)
    with pytest.raises(AdminRefused, match="you cannot demote your own account"):
        change_role(engine, admin, admin, "dpo", NOW)
    change_role(engine, admin, other, "dpo", NOW)  # another admin may be demoted
    with pytest.raises(AdminRefused, match="nothing to change"):
        change_role(engine, admin, other, "dpo", NOW)
    set_enabled(engine, admin, other, False, NOW)
    with pytest.raises(NotAllowed):  # ...and then administers nothing
        set_enabled(engine, other, other, True, NOW)


def test_manager_teams_change(engine: Engine, admin: int) -> None:
    first = add_team(engine, admin, "Platform", "Engineering", NOW)
    second = add_team(engine, admin, "Legal", "Legal", NOW)
    user, password = create_account(engine, admin, "boss", "manager", NOW, team_ids=[first])
    change_teams(engine, admin, user, [first, second], NOW)
    boss = authenticate(engine, "boss", password)
    assert boss is not None and boss.team_ids == frozenset({first, second})
    with pytest.raises(AdminRefused, match="no such team"):
        change_teams(engine, admin, user, [999], NOW)


BAD_POLICIES: list[tuple[dict[str, Any], str]] = [
    ({"k_anonymity": 2}, "k_anonymity must be at least 3, got 2"),
    ({"retention_days": {"screenshots": 0}}, "retention_days.screenshots must be 1-36500"),
    ({"retention_days": {"photos": 3}}, "unknown category 'photos'"),
    ({"category_ratings": {"default": {"social": "great"}}}, "ratings must be one of"),
    ({"category_ratings": {"default": {}, "Nope": {}}}, "no team named 'Nope'"),
    ({"screenshot_interval_seconds": 0}, "must be positive"),
    ({"screenshot_interval_seconds": 86_401}, "must be at most 86400 \\(24 hours\\)"),
    ({"idle_threshold_seconds": 10**9}, "must be at most 86400"),
]


def test_policies_are_validated_and_stored_all_or_nothing(engine: Engine, admin: int) -> None:
    for values, message in BAD_POLICIES:
        with pytest.raises(AdminRefused, match=message):
            change_policies(engine, admin, {"screenshot_blur": True, **values}, NOW)
    assert policies(engine)["screenshot_blur"] is False  # the valid part was not stored
    assert actions(engine) == []


def test_a_policy_change_is_stored_and_audited(engine: Engine, admin: int) -> None:
    changed = change_policies(engine, admin, {"k_anonymity": 7, "screenshot_blur": False}, NOW)
    assert changed == ["k_anonymity"]
    assert policies(engine)["k_anonymity"] == 7
    assert actions(engine) == ["policy.changed"]
