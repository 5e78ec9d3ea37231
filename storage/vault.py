"""The key vault: one X25519 key pair per person, private halves wrapped by the master key.

Devices get only public keys (they seal, never open). Opening needs the master key, which
stays on the server. Destroying a person's wrapped private key crypto-shreds every copy of
their ciphertext, wherever it lies (backups, old object versions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, insert, select, update

from storage.crypto.envelope import open_envelope, read_header
from storage.crypto.keys import (
    MasterKey,
    WrappedSubjectKey,
    generate_subject_key,
    load_master_key,
    rewrap_subject_key,
    unwrap_private_key,
)
from storage.db.schema import installation, subject_keys
from storage.errors import KeyDestroyed, MasterKeyError


@dataclass(frozen=True)
class SubjectPublicKey:
    """What a collector holds for its person: enough to seal, nothing to open."""

    key_id: str
    public_key: bytes


class KeyVault:
    """Per-person keys stored in the database, opened with the master key."""

    def __init__(self, engine: Engine, master: MasterKey) -> None:
        self._engine = engine
        self._master = master
        self._unwrapped: dict[str, X25519PrivateKey] = {}

    @property
    def master_key_id(self) -> str:
        """Identifier of the master key in use (never the key itself)."""
        return self._master.key_id

    def create_subject_key(
        self, connection: Connection, person_id: int, now: datetime
    ) -> SubjectPublicKey:
        """Generate and store a new key pair for ``person_id``; return its public half."""
        wrapped = generate_subject_key(self._master)
        connection.execute(
            insert(subject_keys).values(
                key_id=wrapped.key_id,
                person_id=person_id,
                public_key=wrapped.public_key,
                wrapped_private=wrapped.wrapped_private,
                master_key_id=wrapped.master_key_id,
                created_at=now,
            )
        )
        return SubjectPublicKey(wrapped.key_id, wrapped.public_key)

    def public_key_for(self, connection: Connection, person_id: int) -> SubjectPublicKey:
        """The person's current public key (see the module-level ``public_key_for``)."""
        return public_key_for(connection, person_id)

    def private_key(self, key_id: str) -> X25519PrivateKey:
        """Unwrap the private key ``key_id`` (cached for this vault's lifetime)."""
        cached = self._unwrapped.get(key_id)
        if cached is not None:
            return cached
        with self._engine.connect() as connection:
            row = connection.execute(
                select(subject_keys).where(subject_keys.c.key_id == key_id)
            ).first()
        if row is None or row.wrapped_private is None:
            raise KeyDestroyed(f"key {key_id} was destroyed or never existed")
        key = unwrap_private_key(self._master, _wrapped(row))
        self._unwrapped[key_id] = key
        return key

    def open(self, envelope: bytes, *, object_id: str | None = None) -> bytes:
        """Open an envelope with whichever subject key sealed it."""
        header = read_header(envelope)
        return open_envelope(self.private_key(header.key_id), envelope, object_id=object_id)

    def destroy_subject_keys(
        self, connection: Connection, person_id: int, now: datetime
    ) -> list[str]:
        """Crypto-shred: wipe every wrapped private key of ``person_id``; return the key ids.

        The key rows stay as tombstones (key id, dates) so that audits can prove destruction.
        """
        key_ids = list(
            connection.execute(
                select(subject_keys.c.key_id)
                .where(subject_keys.c.person_id == person_id)
                .where(subject_keys.c.wrapped_private.is_not(None))
            ).scalars()
        )
        connection.execute(
            update(subject_keys)
            .where(subject_keys.c.key_id.in_(key_ids))
            .values(wrapped_private=None, destroyed_at=now, person_id=None)
        )
        for key_id in key_ids:
            self._unwrapped.pop(key_id, None)
        return key_ids

    def rewrap_all(self, connection: Connection, new_master: MasterKey) -> int:
        """Re-wrap every live private key under ``new_master``; objects are untouched."""
        rows = connection.execute(
            select(subject_keys).where(subject_keys.c.wrapped_private.is_not(None))
        ).all()
        for row in rows:
            rewrapped = rewrap_subject_key(self._master, new_master, _wrapped(row))
            connection.execute(
                update(subject_keys)
                .where(subject_keys.c.key_id == row.key_id)
                .values(
                    wrapped_private=rewrapped.wrapped_private,
                    master_key_id=new_master.key_id,
                )
            )
        connection.execute(update(installation).values(master_key_id=new_master.key_id))
        return len(rows)


def public_key_for(connection: Connection, person_id: int) -> SubjectPublicKey:
    """The person's current (newest, not destroyed) public key.

    Needs no master key: this is all a collector ever gets.
    """
    row = connection.execute(
        select(subject_keys.c.key_id, subject_keys.c.public_key)
        .where(subject_keys.c.person_id == person_id)
        .where(subject_keys.c.destroyed_at.is_(None))
        .order_by(subject_keys.c.created_at.desc())
        .limit(1)
    ).first()
    if row is None:
        raise KeyDestroyed(f"person {person_id} has no live key")
    return SubjectPublicKey(row.key_id, row.public_key)


def _wrapped(row: object) -> WrappedSubjectKey:
    return WrappedSubjectKey(
        key_id=row.key_id,  # type: ignore[attr-defined]
        public_key=row.public_key,  # type: ignore[attr-defined]
        wrapped_private=row.wrapped_private,  # type: ignore[attr-defined]
        master_key_id=row.master_key_id,  # type: ignore[attr-defined]
    )


def installed_master_key_id(engine: Engine) -> str | None:
    """The master key id this installation was set up with (None before `traq init`)."""
    with engine.connect() as connection:
        return connection.execute(select(installation.c.master_key_id)).scalar_one_or_none()


def open_master_key(engine: Engine, path: Path) -> MasterKey:
    """Load the master key at ``path`` and check it is the one this database was set up with.

    Finishes an interrupted rotation: if the database already moved to the key waiting in
    ``<path>.new``, that file replaces the old one.
    """
    expected = installed_master_key_id(engine)
    master = load_master_key(path)
    if expected is None or master.key_id == expected:
        return master
    pending = path.with_name(path.name + ".new")
    if pending.exists() and load_master_key(pending).key_id == expected:
        pending.replace(path)
        return load_master_key(path)
    raise MasterKeyError(
        f"master key {path} (id {master.key_id}) is not the one this database uses "
        f"(id {expected}); set TRAQ_MASTER_KEY_FILE to the right key"
    )


def rotate_master_key(engine: Engine, path: Path) -> tuple[str, int]:
    """Replace the master key at ``path`` with a new one, re-wrapping every subject key.

    Order makes it crash-safe: the new key is written to ``<path>.new`` first, the database
    switches in one transaction, then the file is swapped (``open_master_key`` completes a
    swap a crash interrupted). Returns the new key id and how many keys were re-wrapped.
    """
    from storage.crypto.keys import create_master_key_file

    old = open_master_key(engine, path)
    pending = path.with_name(path.name + ".new")
    pending.unlink(missing_ok=True)
    new = create_master_key_file(pending)
    with engine.begin() as connection:
        count = KeyVault(engine, old).rewrap_all(connection, new)
    pending.replace(path)
    return new.key_id, count
