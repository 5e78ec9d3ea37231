"""Helpers for key tests: an installed master key file, a key from before epochs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert

from storage.crypto.keys import (
    MasterKey,
    WrappedSubjectKey,
    create_master_key_file,
    generate_subject_key,
)
from storage.db import schema

MADE = datetime(2026, 3, 1, tzinfo=UTC)


def install_master_key(engine: Engine, path: Path) -> MasterKey:
    """Create the key file at ``path`` and record it as the installation's master key."""
    master = create_master_key_file(path)
    with engine.begin() as connection:
        connection.execute(
            insert(schema.installation).values(id=1, created_at=MADE, master_key_id=master.key_id)
        )
    return master


def insert_legacy_key(
    connection: Connection, master: MasterKey, person_id: int
) -> WrappedSubjectKey:
    """A person key wrapped by the master key itself, as stored before schema 0010."""
    legacy = generate_subject_key(master)
    connection.execute(
        insert(schema.subject_keys).values(
            key_id=legacy.key_id, person_id=person_id, public_key=legacy.public_key,
            wrapped_private=legacy.wrapped_private, master_key_id=master.key_id,
            created_at=MADE,
        )
    )  # fmt: skip
    return legacy
