"""Stored exports: the archive a rights request was answered with, sealed like a screenshot.

An access or portability export is kept so that its requester and the DPO can download it
again (another session, another day) for as long as its request lives. It lies under the
person's pseudonymous prefix (``storage.objects.export_key``), sealed to the person's own
public key, so everything that ends the person's data ends it too: an erasure purges the
prefix and destroys the key; the retention purge removes an export whose request is gone,
no longer completed, or older than the export's life (``storage.retention_objects``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from storage.crypto.envelope import seal
from storage.db.schema import people
from storage.errors import KeyDestroyed, SubjectNotFound
from storage.objects import ObjectStore, export_key, export_prefix
from storage.vault import KeyVault, public_key_for


def _pseudonym(connection: Connection, person_id: int) -> str:
    found = connection.execute(select(people.c.pseudonym).where(people.c.id == person_id)).scalar()
    if found is None:
        raise SubjectNotFound(f"no person with id {person_id} (already erased?)")
    return str(found)


def store_export(
    connection: Connection,
    objects: ObjectStore,
    vault: KeyVault,
    person_id: int,
    request_id: int,
    archive: bytes,
    now: datetime,
) -> str:
    """Seal ``archive`` to the person's key and keep it as the request's only export.

    An earlier export of the request goes, every version of it: one answer per request.
    Returns the object key.
    """
    pseudonym = _pseudonym(connection, person_id)
    key = export_key(pseudonym, request_id, int(now.timestamp()))
    try:
        public = public_key_for(connection, person_id)
    except KeyDestroyed:  # a person enrolled before keys were (nobody erased: checked above)
        public = vault.create_subject_key(connection, person_id, now)
    objects.purge(export_prefix(pseudonym, request_id))
    objects.put(key, seal(public.public_key, public.key_id, key, archive))
    return key


def stored_export_key(
    connection: Connection, objects: ObjectStore, person_id: int, request_id: int
) -> str | None:
    """The key of the request's stored export, None when there is none (or no person)."""
    try:
        pseudonym = _pseudonym(connection, person_id)
    except SubjectNotFound:
        return None
    keys = list(objects.list_keys(export_prefix(pseudonym, request_id)))
    return max(keys, key=lambda k: int(k.rsplit("/", 1)[-1].split(".")[0]), default=None)


def load_export(
    connection: Connection,
    objects: ObjectStore,
    vault: KeyVault,
    person_id: int,
    request_id: int,
) -> bytes | None:
    """The archive stored for the request, opened with the person's key; None if none."""
    key = stored_export_key(connection, objects, person_id, request_id)
    if key is None:
        return None
    return vault.open(objects.get(key), object_id=key)
