"""Errors raised by the storage layer.

Every error a caller may need to handle derives from ``StorageError``; messages are one
line, say what to do next, and never carry captured content (titles, pixels, key bytes)::

    StorageError
    ├── ConfigError            a setting is missing or malformed
    ├── DatabaseError          the database is unreachable or refused a statement
    │   └── SchemaOutdated     the database is not migrated to the current schema
    ├── ObjectStoreError       the object store is unreachable or refused an operation
    │   ├── ObjectNotFound     no object (or version) under that key
    │   └── InvalidObjectKey   a key that is not a safe, pseudonymous path
    ├── MasterKeyError         the master key file is missing, unreadable or not the one in use
    ├── KeyDestroyed           the subject's private key was destroyed (crypto-shredded)
    ├── UnknownSubject         no such person to write for (never added, erased) or no live key
    ├── SubjectNotFound        no person with that id to erase (also a LookupError)
    ├── LegalHold              the person is under a legal hold: erasure refused
    ├── CaptureRefused         captured after a withdrawal or objection: never stored
    ├── InvalidToken           a ciphertext failed to open: tampered, truncated or wrong key
    └── NotAccountOwner        the OS account running traq does not own the account it names

Lower-level exceptions (SQLAlchemy, botocore, OSError) are translated at the boundary with
``raise Ours(...) from exc`` so callers never import a driver to catch a failure.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every storage error."""


class ConfigError(StorageError):
    """A setting is missing or malformed."""


class DatabaseError(StorageError):
    """The database is unreachable or refused a statement."""


class SchemaOutdated(DatabaseError):
    """The database schema is not at the current migration; run `traq init`."""


class ObjectStoreError(StorageError):
    """The object store is unreachable or refused an operation."""


class ObjectNotFound(ObjectStoreError):
    """No object (or object version) exists under that key."""


class InvalidObjectKey(ObjectStoreError, ValueError):
    """An object key that is not a safe relative path of pseudonymous segments."""


class MasterKeyError(StorageError):
    """The master key file is missing, unreadable, malformed or not the one in use."""


class KeyDestroyed(StorageError):
    """The subject's private key was destroyed: their ciphertexts can no longer be opened."""


class InvalidToken(StorageError):
    """A ciphertext could not be opened (tampered, truncated or sealed to another key)."""


class UnknownSubject(StorageError, LookupError):
    """No such person to write activity for (never added, or erased), or no live key."""


class SubjectNotFound(StorageError, LookupError):
    """No person with that id (never existed, or already erased)."""


class LegalHold(StorageError):
    """The person is under a legal hold: erasure is refused with the hold's stated reason."""


class NotAccountOwner(StorageError):
    """The operating-system account running TraqNext does not own the account it acts as."""


class CaptureRefused(StorageError):
    """Captured after the person withdrew consent or objected: never stored, to be deleted."""
