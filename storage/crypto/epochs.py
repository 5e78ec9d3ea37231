"""Epoch keys: the middle layer between the master key and the people's private keys (pure).

    master key (file or KMS)  --wraps-->  epoch key (KEK)  --wraps-->  person private keys

Each epoch has one random 32-byte key-encryption key. An erasure ends the epoch: a new
KEK wraps every remaining private key and the old one is destroyed, so a person key copied
before the erasure (a backup) no longer opens with any key that still exists. Wrapping
is AES-256-GCM; the associated data binds each blob to its key id and epoch, so a blob
moved to another row or epoch fails to open.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.crypto.keys import MasterWrapper
from storage.errors import InvalidToken

_KEY_SIZE = 32
_NONCE_SIZE = 12
_KEK_AAD = b"traqnext epoch key v1\0"
_PRIVATE_AAD = b"traqnext subject key v2\0"


@dataclass(frozen=True)
class EpochKey:
    """One epoch's key-encryption key (the key itself never printed)."""

    epoch: int
    key: bytes = dataclasses.field(repr=False)

    def wrap_private(self, key_id: str, raw_private: bytes) -> bytes:
        """Wrap a person's raw private key ``key_id`` under this epoch."""
        nonce = os.urandom(_NONCE_SIZE)
        return nonce + AESGCM(self.key).encrypt(nonce, raw_private, self._aad(key_id))

    def unwrap_private(self, key_id: str, blob: bytes) -> bytes:
        """The raw private key ``key_id``; ``InvalidToken`` if this epoch did not wrap it."""
        try:
            return AESGCM(self.key).decrypt(
                blob[:_NONCE_SIZE], blob[_NONCE_SIZE:], self._aad(key_id)
            )
        except (InvalidTag, ValueError):
            raise InvalidToken from None

    def _aad(self, key_id: str) -> bytes:
        return _PRIVATE_AAD + key_id.encode("utf-8") + _aad_tail(self.epoch)


def new_epoch_key(epoch: int) -> EpochKey:
    """A fresh random KEK for ``epoch``."""
    return EpochKey(epoch, os.urandom(_KEY_SIZE))


def seal_epoch_key(master: MasterWrapper, kek: EpochKey) -> bytes:
    """``kek`` wrapped by the master key, as stored in the epoch table."""
    return master.wrap(kek.key, _kek_aad(kek.epoch, master.key_id))


def open_epoch_key(master: MasterWrapper, epoch: int, blob: bytes) -> EpochKey:
    """Unwrap the stored KEK of ``epoch``; ``InvalidToken`` if ``master`` did not wrap it."""
    key = master.unwrap(blob, _kek_aad(epoch, master.key_id))
    if len(key) != _KEY_SIZE:
        raise InvalidToken
    return EpochKey(epoch, key)


def rewrap_privates(
    old: EpochKey, new: EpochKey, blobs: Iterable[tuple[str, bytes]]
) -> list[tuple[str, bytes]]:
    """Move ``(key_id, blob)`` pairs from epoch ``old`` to ``new`` (microseconds per key).

    The private keys are re-encrypted as bytes, never rebuilt as key objects: at 10,000
    people the X25519 checks would cost far more than the AES work itself.
    """
    old_aead, new_aead = AESGCM(old.key), AESGCM(new.key)
    old_tail, new_tail = _aad_tail(old.epoch), _aad_tail(new.epoch)
    out = []
    for key_id, blob in blobs:
        name = _PRIVATE_AAD + key_id.encode("utf-8")
        try:
            raw = old_aead.decrypt(blob[:_NONCE_SIZE], blob[_NONCE_SIZE:], name + old_tail)
        except (InvalidTag, ValueError):
            raise InvalidToken from None
        nonce = os.urandom(_NONCE_SIZE)
        out.append((key_id, nonce + new_aead.encrypt(nonce, raw, name + new_tail)))
    return out


def _aad_tail(epoch: int) -> bytes:
    return b"\0" + str(epoch).encode()


def _kek_aad(epoch: int, master_key_id: str) -> bytes:
    return b"".join((_KEK_AAD, str(epoch).encode(), b"\0", master_key_id.encode("utf-8")))
