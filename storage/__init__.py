"""TraqNext storage: the database, the object store and the key vault.

Nothing outside this package opens a file of data, a connection or a bucket of its own.
The facade is imported lazily so that a collector importing ``storage.crypto`` does not
pay for SQLAlchemy and boto3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage.errors import (
    ConfigError,
    DatabaseError,
    InvalidObjectKey,
    InvalidToken,
    KeyDestroyed,
    MasterKeyError,
    ObjectNotFound,
    ObjectStoreError,
    SchemaOutdated,
    StorageError,
)

if TYPE_CHECKING:
    from storage.config import Settings, load_settings
    from storage.facade import Storage, open_storage

_LAZY = {
    "Settings": "storage.config",
    "load_settings": "storage.config",
    "Storage": "storage.facade",
    "open_storage": "storage.facade",
}

__all__ = [
    "ConfigError",
    "DatabaseError",
    "InvalidObjectKey",
    "InvalidToken",
    "KeyDestroyed",
    "MasterKeyError",
    "ObjectNotFound",
    "ObjectStoreError",
    "SchemaOutdated",
    "Settings",
    "Storage",
    "StorageError",
    "load_settings",
    "open_storage",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'storage' has no attribute {name!r}")
