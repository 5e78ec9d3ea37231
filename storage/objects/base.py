"""The object store interface shared by the folder and S3 backends."""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

from storage.errors import ObjectStoreError
from storage.objects.keys import validate_prefix

PROBE_PREFIX = "_probe/"


@dataclass(frozen=True)
class ObjectVersion:
    """One stored version of an object, or a delete marker in a versioned bucket."""

    key: str
    version_id: str | None
    is_latest: bool
    is_delete_marker: bool
    size: int


def check_purge_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is safe to purge: non-empty, ends with '/', a valid key."""
    if not prefix or not prefix.endswith("/"):
        raise ValueError("purge needs a non-empty prefix ending with '/', e.g. 'subjects/s_…/'")
    return validate_prefix(prefix)


class ObjectStore(ABC):
    """Bytes under safe keys; every method validates its key or prefix first."""

    @property
    @abstractmethod
    def url(self) -> str:
        """The URL this store was opened from (``file://…`` or ``s3://…``)."""

    @abstractmethod
    def put(self, key: str, data: bytes) -> str | None:
        """Store ``data`` atomically under ``key``; return the version id, None if unversioned."""

    @abstractmethod
    def get(self, key: str, version_id: str | None = None) -> bytes:
        """Return the object (or the given version); raise ObjectNotFound if there is none."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Tell whether a current object exists under ``key``."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Delete ``key`` and, in a versioned bucket, every version and delete marker of it.

        Do nothing if it is missing. Every deletion is final: self-deletion, rectification,
        purge and erasure all rely on no older version staying behind.
        """

    def drop_old_versions(self, key: str, keep: str | None) -> int:
        """Remove every version of ``key`` but ``keep``; return how many (none unversioned)."""
        return 0

    def overwrite(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` and remove the versions it replaces.

        For rewrites whose old content must not outlive them (lake parts without an erased
        person's rows, a rectified object): a plain ``put`` keeps the old version.
        """
        self.drop_old_versions(key, self.put(key, data))

    @abstractmethod
    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Yield the keys of current objects starting with ``prefix``, sorted."""

    @abstractmethod
    def list_versions(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """Yield every version and delete marker under ``prefix``."""

    @abstractmethod
    def purge(self, prefix: str) -> int:
        """Remove every object, version and delete marker under ``prefix``; return how many.

        ``prefix`` must be non-empty and end with '/' (ValueError otherwise) so that a
        mistake cannot wipe the whole store.
        """

    def check_writable(self) -> None:
        """Put, read back and purge a probe object; raise ObjectStoreError if that fails."""
        probe_dir = f"{PROBE_PREFIX}{secrets.token_hex(8)}/"
        payload = secrets.token_bytes(32)
        try:
            self.put(f"{probe_dir}probe", payload)
            read_back = self.get(f"{probe_dir}probe")
            self.purge(probe_dir)
        except ObjectStoreError as exc:
            raise ObjectStoreError(f"object store {self.url} is not writable: {exc}") from exc
        if read_back != payload:
            raise ObjectStoreError(
                f"object store {self.url} returned different bytes than were written; "
                "check the storage backend"
            )
