"""The epoch table: the current key-encryption key, and ending an epoch at an erasure.

Every live person key is wrapped by the current epoch's KEK, which is stored wrapped by
the master key. Ending the epoch, in the erasure's own transaction:

1. lock the current epoch row (PostgreSQL: a key being created meanwhile waits, then is
   re-wrapped too, instead of landing under a destroyed KEK);
2. make a new KEK, wrapped by a *new* master key (``KeyStore.prepare_next``);
3. re-wrap every remaining person key under it, in one bulk statement;
4. delete the old epoch row (SQLite: with ``secure_delete`` so its bytes are zeroed).

Why the master key changes too: a backup taken before the erasure holds the old epoch row.
Were it still wrapped by a live master key, the backup would open the erased person's key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, text, update

from storage.crypto.epochs import (
    EpochKey,
    new_epoch_key,
    open_epoch_key,
    rewrap_privates,
    seal_epoch_key,
)
from storage.crypto.keys import MasterKey, MasterWrapper, WrappedSubjectKey, unwrap_private_key
from storage.db.schema import installation, key_epochs, subject_keys
from storage.errors import DatabaseError, MasterKeyError

MasterLookup = Callable[[str], MasterWrapper]


@dataclass(frozen=True)
class EpochChange:
    """What ending an epoch did: the new epoch, how many keys moved, the new master key."""

    epoch: int
    rewrapped: int
    master_key_id: str


def current_epoch(connection: Connection, *, lock: str | None = None) -> Row[Any] | None:
    """The current epoch's row; ``lock`` "share" or "update" locks it (PostgreSQL)."""
    query = select(key_epochs).order_by(key_epochs.c.epoch.desc()).limit(1)
    if lock is not None:
        query = query.with_for_update(read=lock == "share")
    return connection.execute(query).first()


def open_epoch(row: Row[Any], masters: MasterLookup) -> EpochKey:
    """Unwrap the KEK stored in an epoch row with the master key that wrapped it."""
    master = masters(str(row.master_key_id))
    return open_epoch_key(master, int(row.epoch), bytes(row.wrapped_kek))


def _master_ref(master: MasterWrapper) -> str | None:
    return getattr(master, "arn", None)  # a KMS key's ARN; a key file has none


def _insert_epoch(
    connection: Connection,
    kek: EpochKey,
    master: MasterWrapper,
    now: datetime,
    replaced: MasterWrapper | None = None,
) -> None:
    connection.execute(
        insert(key_epochs).values(
            epoch=kek.epoch,
            master_key_id=master.key_id,
            master_key_ref=_master_ref(master),
            replaced_ref=_master_ref(replaced) if replaced is not None else None,
            wrapped_kek=seal_epoch_key(master, kek),
            created_at=now,
        )
    )


def _bulk_set(
    connection: Connection, pairs: list[tuple[str, bytes]], epoch: int, master: str
) -> None:
    """Set the wrapped keys of ``pairs`` and their epoch: one statement for every key.

    Why not Core's executemany: at 10,000 keys its per-row compilation (and on PostgreSQL
    one pipelined statement per row) took most of the erasure. PostgreSQL gets a single
    UPDATE joined to two unnested arrays; SQLite one executemany on the driver.
    """
    if not pairs:
        return
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "UPDATE subject_keys AS s SET wrapped_private = v.w, epoch = %(e)s, "
            "master_key_id = %(m)s FROM unnest(%(k)s::varchar[], %(w)s::bytea[]) AS v(k, w) "
            "WHERE s.key_id = v.k",
            {"k": [k for k, _ in pairs], "w": [w for _, w in pairs], "e": epoch, "m": master},
        )
        return
    connection.exec_driver_sql(
        "UPDATE subject_keys SET wrapped_private = ?, epoch = ?, master_key_id = ? "
        "WHERE key_id = ?",
        [(blob, epoch, master, key_id) for key_id, blob in pairs],
    )


def ensure_epoch(
    connection: Connection,
    master: MasterWrapper,
    now: datetime,
    masters: MasterLookup | None = None,
) -> EpochKey:
    """The current epoch's KEK, its row locked for share (an erasure waits for the caller's
    commit); the first epoch is made with ``master`` (and older keys adopted) if none.

    ``masters`` finds the master key of an existing epoch (default: ``master`` only).
    Adopting moves keys wrapped by the master key itself (installations from before
    epochs) under the new KEK; `traq init` does it at upgrade, any first use otherwise.
    """
    row = _locked_current(connection)
    if row is not None:
        return open_epoch(row, masters or (lambda key_id: _same(master, key_id)))
    kek = new_epoch_key(1)
    _insert_epoch(connection, kek, master, now)
    legacy = connection.execute(
        select(subject_keys)
        .where(subject_keys.c.wrapped_private.is_not(None))
        .where(subject_keys.c.epoch.is_(None))
    ).all()
    pairs = [(r.key_id, kek.wrap_private(r.key_id, _legacy_raw(master, r))) for r in legacy]
    _bulk_set(connection, pairs, kek.epoch, master.key_id)
    return kek


def _locked_current(connection: Connection) -> Row[Any] | None:
    """The current epoch row, locked for share; None only if there is no epoch at all."""
    for _ in range(3):
        row = current_epoch(connection, lock="share")
        # PostgreSQL (read committed) skips a row deleted while we waited for its lock, so
        # "no row" may mean "an erasure just replaced it": look again.
        if row is not None or current_epoch(connection) is None:
            return row
    raise DatabaseError("the key epoch keeps changing under this transaction; try again")


def legacy_private(master: MasterWrapper, row: Row[Any]) -> bytes:
    """The raw private key of a row wrapped by the master key itself (before epochs)."""
    return _legacy_raw(master, row)


def _legacy_raw(master: MasterWrapper, row: Row[Any]) -> bytes:
    if not isinstance(master, MasterKey):
        raise MasterKeyError(f"subject key {row.key_id} needs the master key file it was made with")
    wrapped = WrappedSubjectKey(row.key_id, row.public_key, row.wrapped_private, row.master_key_id)
    return unwrap_private_key(master, wrapped).private_bytes_raw()


def _same(master: MasterWrapper, key_id: str) -> MasterWrapper:
    if key_id != master.key_id:
        raise MasterKeyError(
            f"the epoch key is wrapped by master key {key_id}, not the loaded {master.key_id}"
        )
    return master


def end_epoch(
    connection: Connection, masters: MasterLookup, new_master: MasterWrapper, now: datetime
) -> EpochChange:
    """End the current epoch (see the module doc); the caller's transaction commits it."""
    row = current_epoch(connection, lock="update")
    if row is None:
        raise MasterKeyError("no key epoch yet; run `traq init`")
    old = open_epoch(row, masters)
    new = new_epoch_key(old.epoch + 1)
    _insert_epoch(connection, new, new_master, now, masters(str(row.master_key_id)))
    live = connection.execute(
        select(subject_keys.c.key_id, subject_keys.c.wrapped_private)
        .where(subject_keys.c.wrapped_private.is_not(None))
        .where(subject_keys.c.epoch == old.epoch)
    )
    pairs = rewrap_privates(old, new, ((key_id, bytes(blob)) for key_id, blob in live))
    _bulk_set(connection, pairs, new.epoch, new_master.key_id)
    destroy_epochs_before(connection, new.epoch)
    connection.execute(update(installation).values(master_key_id=new_master.key_id))
    return EpochChange(new.epoch, len(pairs), new_master.key_id)


def destroy_epochs_before(connection: Connection, epoch: int) -> None:
    """Delete every older epoch row; SQLite zeroes the freed bytes (``secure_delete``)."""
    if connection.dialect.name == "sqlite":
        # Per connection, and allowed inside a transaction: the deleted cell is overwritten
        # with zeros instead of lingering in a free page of the database file.
        connection.execute(text("PRAGMA secure_delete=ON"))
    connection.execute(delete(key_epochs).where(key_epochs.c.epoch < epoch))


def rewrap_master(
    connection: Connection, old: MasterWrapper, new: MasterWrapper, now: datetime
) -> int:
    """Master-key rotation: re-wrap the epoch key under ``new``; return the live key count.

    Person keys stay as they are (their KEK is unchanged): one row changes, not one per
    person.
    """
    kek = ensure_epoch(connection, old, now)
    connection.execute(
        update(key_epochs)
        .where(key_epochs.c.epoch == kek.epoch)
        .values(
            wrapped_kek=seal_epoch_key(new, kek),
            master_key_id=new.key_id,
            master_key_ref=_master_ref(new),
            replaced_ref=_master_ref(old),
        )
    )
    result = connection.execute(
        update(subject_keys)
        .where(subject_keys.c.wrapped_private.is_not(None))
        .values(master_key_id=new.key_id)
    )
    connection.execute(update(installation).values(master_key_id=new.key_id))
    return int(result.rowcount)
