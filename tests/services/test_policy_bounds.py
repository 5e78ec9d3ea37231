"""k against the people actually enrolled: refused above everyone, confirmed above the
largest team (issue 18: policy bounds)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from services.accounts import policies
from services.admin import AdminRefused, add_person, add_team, change_policies
from services.errors import NeedsConfirmation
from storage.accounts import create_user, hash_password
from storage.crypto.keys import create_master_key_file
from storage.vault import KeyVault

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def admin(engine: Engine, tmp_path: Path) -> int:
    """An admin, and four people: three in Platform, one in Legal."""
    with engine.begin() as connection:
        admin = create_user(connection, "rosa", "admin", hash_password("pw-root-1"), NOW)
    vault = KeyVault(engine, create_master_key_file(tmp_path / "master.key"))
    for team, size in (("Platform", 3), ("Legal", 1)):
        team_id = add_team(engine, admin, team, "Dept", NOW)
        for i in range(size):
            profile = {"display_name": f"{team} {i}", "email": None, "timezone": "UTC"}
            add_person(engine, vault, admin, profile, team_id, NOW)
    return admin


def test_k_above_everyone_enrolled_is_refused(engine: Engine, admin: int) -> None:
    with pytest.raises(AdminRefused, match="k_anonymity 6 is above the 4 people enrolled"):
        change_policies(engine, admin, {"k_anonymity": 6}, NOW, confirmed=True)
    assert policies(engine)["k_anonymity"] == 5  # the default, unchanged (no write)


def test_k_above_the_largest_team_needs_a_confirmation(engine: Engine, admin: int) -> None:
    with pytest.raises(NeedsConfirmation, match=r"above the largest team \(3 people\)"):
        change_policies(engine, admin, {"k_anonymity": 4}, NOW)
    assert change_policies(engine, admin, {"k_anonymity": 4}, NOW, confirmed=True) == [
        "k_anonymity"
    ]
    assert change_policies(engine, admin, {"k_anonymity": 3}, NOW) == ["k_anonymity"]
    assert policies(engine)["k_anonymity"] == 3
