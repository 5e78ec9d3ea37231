"""storage.erasure over every database and object backend: what outlives the person is scrubbed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, insert, select

from storage import audit
from storage.accounts import create_user
from storage.crypto.keys import create_master_key_file
from storage.db import schema
from storage.erasure import ERASED_REASON, erase_subject
from storage.errors import SubjectNotFound
from storage.keystore import FileKeyStore
from storage.objects import ObjectStore, screenshot_key
from storage.vault import KeyVault

NOW = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def _person(connection: Connection, team: int, pseudonym: str, name: str) -> int:
    result = connection.execute(
        insert(schema.people).values(
            pseudonym=pseudonym, display_name=name, email=f"{name}@example.com",
            timezone="UTC", team_id=team, created_at=NOW,
        )
    )  # fmt: skip
    return int(result.inserted_primary_key[0])


def test_erasure_scrubs_requests_ledger_and_audit(
    engine: Engine, object_store: ObjectStore, tmp_path: Path
) -> None:
    key_file = tmp_path / "master.key"
    vault = KeyVault(engine, create_master_key_file(key_file), FileKeyStore(key_file))
    with engine.begin() as c:
        created = c.execute(insert(schema.teams).values(name="T", department="D"))
        team = int(created.inserted_primary_key[0])
        grace = _person(c, team, "s_00000000000000a1", "grace")
        alan = _person(c, team, "s_00000000000000a2", "alan")
        account = create_user(c, "grace.h", "employee", None, NOW, person_id=grace)
        for pid in (grace, alan):
            vault.create_subject_key(c, pid, NOW)
        c.execute(
            insert(schema.rights_requests).values(
                person_id=grace, kind="erasure", state="approved", received_at=NOW, due_at=NOW,
                decision_reason="Grace asked by phone", details={"note": "grace"},
            )
        )  # fmt: skip
        scope = {"period": {}, "teams": None, "people": [alan, grace]}
        c.execute(
            insert(schema.privacy_ledger).values(
                at=NOW, analyst="a", kind="scope", query="q", scope=scope, people=2
            )
        )
        audit.append(c, audit.user_ref(account), "profile.viewed", audit.person_ref(grace), {}, NOW)
        audit.append(c, "user:99", "profile.viewed", audit.person_ref(alan), {}, NOW)
    for pseudonym in ("s_00000000000000a1", "s_00000000000000a2"):
        object_store.put(screenshot_key(pseudonym, 1_770_000_000, 1), b"sealed")

    with engine.begin() as c:
        report = erase_subject(c, object_store, vault, grace, actor="user:1", now=NOW)
    assert report.objects_purged == 1 and report.keys_destroyed == 1
    assert report.requests_scrubbed == 1 and report.ledger_scopes_scrubbed == 1

    with engine.connect() as c:
        request = c.execute(select(schema.rights_requests)).one()
        # The free text is gone; the open request is closed with a reason that names nobody.
        assert request.person_id is None and request.decision_reason == ERASED_REASON
        assert request.state == "closed" and request.closed_at is not None
        assert request.details == {}
        assert c.execute(select(schema.privacy_ledger.c.scope)).scalar_one()["people"] == [alan]
        assert c.execute(select(func.count()).select_from(schema.users)).scalar_one() == 0
        live = select(func.count()).where(schema.subject_keys.c.wrapped_private.is_not(None))
        assert c.execute(live).scalar_one() == 1
    assert list(object_store.list_keys("subjects/s_00000000000000a2/"))
    assert not list(object_store.list_versions("subjects/s_00000000000000a1/"))
    assert audit.verify(engine).ok

    with engine.begin() as c, pytest.raises(SubjectNotFound):
        erase_subject(c, object_store, vault, grace, actor="user:1", now=NOW)
