"""The master key file, and subject key pairs wrapped by it directly (pure: no database).

Each person has an X25519 key pair. Collectors hold only the public half. The master key
lives in a file readable by its owner alone (or in KMS: ``kms``); it wraps the epoch keys
(``epochs``), which wrap the private halves. The functions that wrap a private half with
the master key itself serve installations from before epochs (schema 0010), whose keys
``storage.epochs.ensure_epoch`` adopts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import InvalidToken, KeyDestroyed, MasterKeyError

_KEY_SIZE = 32
_NONCE_SIZE = 12
_WRAPPED_SIZE = _NONCE_SIZE + _KEY_SIZE + 16
_MASTER_ID_DOMAIN = b"traqnext master key id\0"
_SUBJECT_AAD_DOMAIN = b"traqnext subject key v1\0"


@dataclass(frozen=True)
class MasterKey:
    """The installation's 32-byte master key and its public identifier (never the key)."""

    key: bytes = dataclasses.field(repr=False)
    key_id: str = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes) or len(self.key) != _KEY_SIZE:
            raise ValueError(f"a master key must be {_KEY_SIZE} bytes")
        digest = hashlib.sha256(_MASTER_ID_DOMAIN + self.key).hexdigest()
        # A frozen dataclass can set a derived field only through object.__setattr__.
        object.__setattr__(self, "key_id", digest[:16])

    def wrap(self, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt a key (AES-256-GCM, random nonce) bound to ``aad``."""
        nonce = os.urandom(_NONCE_SIZE)
        return nonce + AESGCM(self.key).encrypt(nonce, plaintext, aad)

    def unwrap(self, blob: bytes, aad: bytes) -> bytes:
        """Decrypt what ``wrap`` made with the same ``aad``; ``InvalidToken`` otherwise."""
        try:
            return AESGCM(self.key).decrypt(blob[:_NONCE_SIZE], blob[_NONCE_SIZE:], aad)
        except (InvalidTag, ValueError):
            raise InvalidToken from None


class MasterWrapper(Protocol):
    """What wraps the epoch keys: a master key file's key, or a KMS key."""

    @property
    def key_id(self) -> str:
        """A public identifier (never the key), stored beside what it wrapped."""
        ...

    def wrap(self, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt ``plaintext`` bound to ``aad``."""
        ...

    def unwrap(self, blob: bytes, aad: bytes) -> bytes:
        """Decrypt ``blob`` bound to ``aad``; ``InvalidToken`` if it does not open."""
        ...


@dataclass(frozen=True)
class WrappedSubjectKey:
    """A subject's key pair as stored: public half clear, private half wrapped or destroyed.

    ``wrapped_private`` is ``None`` once the key has been destroyed (crypto-shredded).
    """

    key_id: str
    public_key: bytes
    wrapped_private: bytes | None
    master_key_id: str


def create_master_key_file(path: Path) -> MasterKey:
    """Write a new random master key to ``path`` (mode 0600) and return it.

    The file appears complete or not at all, and an existing key is never overwritten
    (``MasterKeyError``): losing it would make every subject key unrecoverable.
    """
    master = MasterKey(os.urandom(_KEY_SIZE))
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(master.key)
                temp.flush()
                os.fsync(temp.fileno())
            # link() fails if path exists, where replace() would silently overwrite a key.
            os.link(temp_name, path)
        finally:
            os.unlink(temp_name)
    except FileExistsError:
        raise MasterKeyError(
            f"master key file {path} already exists; refusing to overwrite it"
        ) from None
    except OSError as exc:
        raise MasterKeyError(f"cannot create master key file {path}: {exc.strerror}") from exc
    _fsync_folder(path.parent)
    return master


def load_master_key(path: Path) -> MasterKey:
    """Read the master key at ``path``; ``MasterKeyError`` says what is wrong and what to do."""
    try:
        with path.open("rb") as file:
            _check_key_file(path, os.fstat(file.fileno()))
            key = file.read(_KEY_SIZE + 1)
    except FileNotFoundError:
        raise MasterKeyError(
            f"master key file {path} does not exist; run `traq init` or set TRAQ_MASTER_KEY_FILE"
        ) from None
    except OSError as exc:
        raise MasterKeyError(f"cannot read master key file {path}: {exc.strerror}") from exc
    if len(key) != _KEY_SIZE:
        raise MasterKeyError(f"master key file {path} must hold exactly {_KEY_SIZE} bytes")
    return MasterKey(key)


def generate_subject_key(master: MasterKey) -> WrappedSubjectKey:
    """Create a new X25519 key pair for a subject, its private half wrapped by ``master``."""
    private = X25519PrivateKey.generate()
    key_id = "k_" + secrets.token_hex(8)
    return WrappedSubjectKey(
        key_id=key_id,
        public_key=private.public_key().public_bytes_raw(),
        wrapped_private=_wrap(master, key_id, private.private_bytes_raw()),
        master_key_id=master.key_id,
    )


def unwrap_private_key(master: MasterKey, wrapped: WrappedSubjectKey) -> X25519PrivateKey:
    """Unwrap a subject's private key with ``master``.

    Raises ``KeyDestroyed`` if it was destroyed, ``MasterKeyError`` if another master key
    wrapped it, and ``InvalidToken`` if the stored key was tampered with.
    """
    if wrapped.wrapped_private is None:
        raise KeyDestroyed(f"subject key {wrapped.key_id} was destroyed; its data cannot be opened")
    if wrapped.master_key_id != master.key_id:
        raise MasterKeyError(
            f"subject key {wrapped.key_id} was wrapped by master key {wrapped.master_key_id}, "
            f"but the loaded master key is {master.key_id}; load the matching master key file"
        )
    blob = wrapped.wrapped_private
    if len(blob) != _WRAPPED_SIZE:
        raise InvalidToken
    raw = master.unwrap(blob, _subject_aad(wrapped.key_id, master.key_id))
    private = X25519PrivateKey.from_private_bytes(raw)
    # The public half is stored clear beside it; a swapped one would misdirect new seals.
    if private.public_key().public_bytes_raw() != wrapped.public_key:
        raise InvalidToken
    return private


def rewrap_subject_key(
    old: MasterKey, new: MasterKey, wrapped: WrappedSubjectKey
) -> WrappedSubjectKey:
    """Re-wrap a subject key from ``old`` to ``new`` master key (master-key rotation).

    Key id and public key are unchanged, so sealed objects need no change. A destroyed key
    stays destroyed.
    """
    if wrapped.wrapped_private is None:
        return dataclasses.replace(wrapped, master_key_id=new.key_id)
    raw = unwrap_private_key(old, wrapped).private_bytes_raw()
    return dataclasses.replace(
        wrapped,
        wrapped_private=_wrap(new, wrapped.key_id, raw),
        master_key_id=new.key_id,
    )


def _wrap(master: MasterKey, key_id: str, raw_private: bytes) -> bytes:
    return master.wrap(raw_private, _subject_aad(key_id, master.key_id))


def _subject_aad(key_id: str, master_key_id: str) -> bytes:
    return b"".join(
        (_SUBJECT_AAD_DOMAIN, key_id.encode("utf-8"), b"\0", master_key_id.encode("utf-8"))
    )


def _check_key_file(path: Path, status: os.stat_result) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise MasterKeyError(f"master key file {path} is not a regular file")
    # Like ssh with private keys: a key others can read may already be compromised.
    if os.name == "posix" and status.st_mode & 0o077:
        mode = stat.S_IMODE(status.st_mode)
        raise MasterKeyError(
            f"master key file {path} is accessible by other users (mode {mode:04o}); "
            f"run: chmod 600 {path}"
        )


def _fsync_folder(folder: Path) -> None:
    # Makes the new directory entry durable; not possible on every platform, hence best effort.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
