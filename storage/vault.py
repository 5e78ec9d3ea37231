"""The key vault: one X25519 key pair per person, private halves wrapped by the epoch key.

Devices get only public keys (they seal, never open). Opening needs the current epoch key,
which only the master key unwraps (``storage.epochs``). Destroying a person's wrapped
private key and ending the epoch crypto-shreds every copy of their ciphertext, wherever it
lies (backups, old object versions).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, event, insert, select, update

from storage.config import Settings
from storage.crypto.envelope import open_envelope, read_header
from storage.crypto.epochs import EpochKey
from storage.crypto.keys import MasterWrapper
from storage.db.schema import key_epochs, subject_keys
from storage.epochs import (
    EpochChange,
    end_epoch,
    ensure_epoch,
    legacy_private,
    open_epoch,
    rewrap_master,
)
from storage.errors import InvalidToken, KeyDestroyed, MasterKeyError
from storage.keystore import (
    FileKeyStore,
    KeyStore,
    installed_master_key_id,
    open_key_store,
    open_master_key,
)

__all__ = [
    "KeyVault",
    "SubjectPublicKey",
    "installed_master_key_id",
    "open_master_key",
    "open_vault",
    "public_key_for",
    "rotate_master_key",
]


@dataclass(frozen=True)
class SubjectPublicKey:
    """What a collector holds for its person: enough to seal, nothing to open."""

    key_id: str
    public_key: bytes


class KeyVault:
    """Per-person keys stored in the database, opened through the epoch and master keys.

    With a ``store`` the vault can replace the master key (erasure, rotation) and reload
    it when another process did; without one it works with ``master`` alone.
    """

    def __init__(
        self, engine: Engine, master: MasterWrapper, store: KeyStore | None = None
    ) -> None:
        self._engine = engine
        self._master = master
        self._masters: dict[str, MasterWrapper] = {master.key_id: master}
        self._store = store
        self._replacing = False  # a master key replacement awaits settle()
        self._unwrapped: dict[str, X25519PrivateKey] = {}
        # Unwrapped epoch keys: with KMS each unwrap is a network call, not one per person.
        self._keks: dict[int, EpochKey] = {}

    @property
    def master_key_id(self) -> str:
        """Identifier of the master key in use (never the key itself)."""
        return self._master.key_id

    def create_subject_key(
        self, connection: Connection, person_id: int, now: datetime
    ) -> SubjectPublicKey:
        """Generate and store a new key pair for ``person_id``; return its public half."""
        kek = ensure_epoch(connection, self._master, now, self._lookup)
        master_id = connection.execute(
            select(key_epochs.c.master_key_id).where(key_epochs.c.epoch == kek.epoch)
        ).scalar_one()
        private = X25519PrivateKey.generate()
        key_id = "k_" + secrets.token_hex(8)
        public = private.public_key().public_bytes_raw()
        connection.execute(
            insert(subject_keys).values(
                key_id=key_id,
                person_id=person_id,
                public_key=public,
                wrapped_private=kek.wrap_private(key_id, private.private_bytes_raw()),
                master_key_id=master_id,
                epoch=kek.epoch,
                created_at=now,
            )
        )
        return SubjectPublicKey(key_id, public)

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
            if row.epoch is None:  # from before epochs, not adopted yet
                raw = legacy_private(self._lookup(str(row.master_key_id)), row)
            else:
                raw = self._epoch_key(connection, int(row.epoch)).unwrap_private(
                    key_id, bytes(row.wrapped_private)
                )
        key = X25519PrivateKey.from_private_bytes(raw)
        # The public half is stored clear beside it; a swapped one would misdirect new seals.
        if key.public_key().public_bytes_raw() != row.public_key:
            raise InvalidToken
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
        Copies of the wrapped key (backups) still exist until ``end_epoch`` destroys the
        key that wraps them: an erasure does both in one transaction.
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
            .values(wrapped_private=None, destroyed_at=now, person_id=None, epoch=None)
        )
        for key_id in key_ids:
            self._unwrapped.pop(key_id, None)
        return key_ids

    def end_epoch(self, connection: Connection, now: datetime) -> EpochChange:
        """New epoch and master key, every live key re-wrapped, the old ones destroyed.

        Runs in the caller's transaction. The old master key is destroyed as soon as the
        connection returns to the pool after the commit (see ``_settle_on_checkin``);
        ``settle`` and the next open of the key are the fallbacks.
        """
        store = self._require_store()
        connection.info[_SETTLE] = self
        if not event.contains(self._engine, "checkin", _settle_on_checkin):
            event.listen(self._engine, "checkin", _settle_on_checkin)
        current = self._master_for_epoch(connection)
        ensure_epoch(connection, current, now, self._lookup)
        new_master = store.prepare_next(current)
        self._replacing = True
        self._masters[new_master.key_id] = new_master
        change = end_epoch(connection, self._lookup, new_master, now)
        self._master = new_master
        self._keks.clear()  # the old epoch's key leaves this process's memory too
        return change

    def rewrap_all(self, connection: Connection, new_master: MasterWrapper) -> int:
        """Re-wrap the epoch key under ``new_master``; return how many keys it protects."""
        count = rewrap_master(connection, self._master, new_master, datetime.now(UTC))
        self._masters[new_master.key_id] = new_master
        self._master = new_master
        return count

    def settle(self) -> None:
        """After the transaction ended: destroy a replaced master key the database left."""
        if self._store is not None and self._replacing:
            self._finish(installed_master_key_id(self._engine))

    def settle_on(self, dbapi_connection: Any) -> None:
        """``settle`` reading the database through a raw connection whose transaction ended."""
        if self._store is None or not self._replacing:
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT master_key_id FROM installation")
            row = cursor.fetchone()
        finally:
            cursor.close()
            dbapi_connection.rollback()  # leave no transaction open in the pool
        self._finish(row[0] if row else None)

    def _finish(self, current: str | None) -> None:
        assert self._store is not None
        self._store.settle(current)
        self._replacing = False
        if current is not None and current in self._masters:
            self._master = self._masters[current]

    def _require_store(self) -> KeyStore:
        if self._store is None:
            raise MasterKeyError("this vault has no key store to replace the master key in")
        return self._store

    def _master_for_epoch(self, connection: Connection) -> MasterWrapper:
        row = connection.execute(select(key_epochs.c.master_key_id).limit(1)).first()
        return self._master if row is None else self._lookup(str(row.master_key_id))

    def _epoch_key(self, connection: Connection, epoch: int) -> EpochKey:
        row = connection.execute(select(key_epochs).where(key_epochs.c.epoch == epoch)).first()
        if row is None:
            self._keks.pop(epoch, None)
            raise KeyDestroyed(f"key epoch {epoch} was ended; its keys cannot be opened")
        kek = self._keks.get(epoch)
        if kek is None:
            kek = self._keks[epoch] = open_epoch(row, self._lookup)
        return kek

    def _lookup(self, key_id: str) -> MasterWrapper:
        """The master key ``key_id``: known, or reloaded (another process replaced it)."""
        known = self._masters.get(key_id)
        if known is not None:
            return known
        if self._store is not None:
            loaded = self._store.load(self._engine)
            self._masters[loaded.key_id] = loaded
            if loaded.key_id == key_id:
                self._master = loaded
                return loaded
        raise MasterKeyError(
            f"the keys are wrapped by master key {key_id}, but the loaded one is "
            f"{self._master.key_id}; load the matching master key"
        )


_SETTLE = "traqnext.vault_to_settle"


def _settle_on_checkin(dbapi_connection: Any, record: Any) -> None:
    """Pool hook: a connection that ended an epoch came back, so its transaction is over.

    Why here: SQLAlchemy has no after-commit hook on a Connection, and the caller owns the
    transaction (a rights request, the DPO page). Back in the pool, the commit either
    happened or not, and the database says which.
    """
    vault = record.info.pop(_SETTLE, None)
    if vault is None or dbapi_connection is None:
        return
    try:
        vault.settle_on(dbapi_connection)
    except Exception:
        return


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


def open_vault(engine: Engine, settings: Settings) -> KeyVault:
    """The vault of the installation ``settings`` name, with its key store."""
    store = open_key_store(settings, engine)
    return KeyVault(engine, store.load(engine), store)


def rotate_master_key(engine: Engine, path: Path) -> tuple[str, int]:
    """Replace the master key file at ``path``; return the new id and the keys it protects.

    Crash-safe: the new key is written to ``<path>.new`` first, the database switches in
    one transaction, then the file is swapped (``open_master_key`` completes a swap a
    crash interrupted).
    """
    return rotate_with_store(engine, FileKeyStore(path))


def rotate_with_store(engine: Engine, store: KeyStore) -> tuple[str, int]:
    """Master-key rotation through any key store (see ``rotate_master_key``)."""
    old = store.load(engine)
    vault = KeyVault(engine, old, store)
    new = store.prepare_next(old)
    with engine.begin() as connection:
        count = vault.rewrap_all(connection, new)
    store.settle(new.key_id)
    return new.key_id, count
