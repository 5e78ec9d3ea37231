"""Erasure of one demo person, end to end over SQLite/PostgreSQL and folder/S3."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, func, select, update

from storage import audit
from storage.db import schema
from storage.erasure import erase_subject
from storage.errors import KeyDestroyed, LegalHold, StorageError
from storage.facade import Storage
from storage.objects import subject_prefix

NOW = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)


def _identifiers(storage: Storage, person_id: int) -> dict[str, Any]:
    with storage.engine.connect() as connection:
        person = connection.execute(
            select(schema.people).where(schema.people.c.id == person_id)
        ).one()
        accounts = connection.execute(
            select(schema.users.c.id, schema.users.c.username).where(
                schema.users.c.person_id == person_id
            )
        ).all()
    return {
        "id": person_id,
        "texts": [
            person.pseudonym, person.display_name, person.email,
            audit.person_ref(person_id),
            *(a.username for a in accounts), *(audit.user_ref(a.id) for a in accounts),
        ],
        "pseudonym": person.pseudonym,
    }  # fmt: skip


def _counts(storage: Storage, exclude: int) -> Counter[tuple[str, int]]:
    """Rows per (table, person) for everyone but ``exclude``."""
    counts: Counter[tuple[str, int]] = Counter()
    with storage.engine.connect() as connection:
        for table in schema.metadata.sorted_tables:
            if "person_id" not in table.c:
                continue
            for pid, n in connection.execute(
                select(table.c.person_id, func.count()).group_by(table.c.person_id)
            ):
                if pid is not None and pid != exclude:
                    counts[(table.name, pid)] = n
    return counts


def mentions(storage: Storage, ids: dict[str, Any]) -> list[str]:
    """Every (table.column) whose rows mention the person: id columns and any text or JSON."""
    found = []
    texts = [t for t in ids["texts"] if t]
    with storage.engine.connect() as connection:
        for table in schema.metadata.sorted_tables:
            for column in table.c:
                if column.name == "person_id":
                    hit = connection.execute(
                        select(func.count()).where(column == ids["id"])
                    ).scalar_one()
                    if hit:
                        found.append(f"{table.name}.{column.name}")
                elif isinstance(column.type, String | Text | JSON | LargeBinary):
                    for value in connection.execute(select(column)).scalars():
                        blob = value if isinstance(value, bytes) else repr(value).encode()
                        if any(t.encode() in blob for t in texts):
                            found.append(f"{table.name}.{column.name}")
                            break
    return found


def _victim(storage: Storage) -> int:
    with storage.engine.connect() as connection:
        return int(
            connection.execute(
                select(schema.screenshots.c.person_id)
                .order_by(schema.screenshots.c.person_id)
                .limit(1)
            ).scalar_one()
        )


def test_erasure_leaves_nothing_about_the_person(demo_storage: Storage) -> None:
    storage = demo_storage
    victim = _victim(storage)
    ids = _identifiers(storage, victim)
    with storage.engine.begin() as connection:
        audit.append(connection, "user:1", "profile.viewed", audit.person_ref(victim), {}, NOW)
        shot = connection.execute(
            select(schema.screenshots).where(schema.screenshots.c.person_id == victim)
        ).first()
    assert shot is not None and mentions(storage, ids)
    backup = storage.objects.get(shot.object_key)  # a copy taken before erasure
    assert storage.vault.open(backup)
    before = _counts(storage, exclude=victim)
    prefix = subject_prefix(ids["pseudonym"])
    assert list(storage.objects.list_versions(prefix))

    with storage.engine.begin() as connection:
        report = erase_subject(
            connection, storage.objects, storage.vault, victim, actor="user:2", now=NOW
        )
    assert report.objects_purged > 0 and report.keys_destroyed == 1
    assert report.rows_deleted["people"] == 1 and report.audit_entries_redacted >= 1

    assert mentions(storage, ids) == []
    assert list(storage.objects.list_versions(prefix)) == []
    assert list(storage.objects.list_keys(prefix)) == []
    with pytest.raises((KeyDestroyed, StorageError)):
        storage.vault.open(backup)
    assert _counts(storage, exclude=victim) == before
    assert audit.verify(storage.engine).ok


def test_legal_hold_blocks_erasure_with_its_reason(demo_storage: Storage) -> None:
    storage = demo_storage
    victim = _victim(storage)
    with storage.engine.begin() as connection:
        connection.execute(
            update(schema.people)
            .where(schema.people.c.id == victim)
            .values(legal_hold_reason="litigation 2026-17")
        )
    with pytest.raises(LegalHold, match="litigation 2026-17"), storage.engine.begin() as c:
        erase_subject(c, storage.objects, storage.vault, victim, actor="user:2", now=NOW)
    with storage.engine.connect() as connection:
        assert connection.execute(
            select(func.count()).where(schema.screenshots.c.person_id == victim)
        ).scalar_one()
    assert storage.vault.open(storage.objects.get(next(iter(_keys(storage, victim)))))


def _keys(storage: Storage, person_id: int) -> list[str]:
    with storage.engine.connect() as connection:
        return list(
            connection.execute(
                select(schema.screenshots.c.object_key).where(
                    schema.screenshots.c.person_id == person_id
                )
            ).scalars()
        )
