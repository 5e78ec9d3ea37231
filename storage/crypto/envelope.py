"""Versioned binary envelope: bytes sealed to a subject's X25519 public key (ECIES/HPKE-style).

Every object gets a fresh random AES-256-GCM data key, wrapped with a key-encryption key
(KEK) agreed between an ephemeral X25519 key pair and the recipient's public key::

    shared = X25519(ephemeral_private, recipient_public)
    KEK    = HKDF-SHA256(shared, salt=ephemeral_public || recipient_public,
                         info=b"traqnext envelope v1", length=32)

Both AEAD operations (key wrap and body) authenticate the header (bytes 0 to H below) as
associated data: a changed key id, object id or ephemeral key fails like a changed body.
Only the holder of the private key can open an envelope; the sealer (a collector) cannot.

Layout of version 1 (k = key id length, n = object id length, m = plaintext length):

| offset  | size | field                                                          |
|---------|------|----------------------------------------------------------------|
| 0       | 3    | magic ``b"TQE"``                                               |
| 3       | 1    | format version, ``1``                                          |
| 4       | 1    | k, key id length (1-64)                                        |
| 5       | k    | key id, ASCII                                                  |
| 5+k     | 2    | n, object id length, big-endian (0-1024)                       |
| 7+k     | n    | object id, UTF-8                                               |
| 7+k+n   | 32   | ephemeral X25519 public key; the header ends here (H = 39+k+n) |
| H       | 12   | wrap nonce                                                     |
| H+12    | 48   | wrapped data key: AES-256-GCM(KEK), 32-byte key + 16-byte tag  |
| H+60    | 12   | body nonce                                                     |
| H+72    | m+16 | body: AES-256-GCM(data key), ciphertext + tag; nothing follows |
"""

from __future__ import annotations

import io
import os
import struct
import threading
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.errors import InvalidToken

_VERSION = 1
_PREFIX = b"TQE" + bytes([_VERSION])
_HKDF_INFO = b"traqnext envelope v1"
_KEY_SIZE = 32
_NONCE_SIZE = 12
_TAG_SIZE = 16
_WRAPPED_KEY_SIZE = _KEY_SIZE + _TAG_SIZE
_MAX_KEY_ID = 64
_MAX_OBJECT_ID = 1024
_RANDOMNESS_SIZES = (_KEY_SIZE, _NONCE_SIZE, _NONCE_SIZE)  # data key, wrap and body nonces
# Below this size joining the parts is faster than encrypting into a preallocated buffer.
_IN_PLACE_MIN_SIZE = 64 * 1024
# Reading this many leading bytes of any envelope is enough for read_header.
MAX_HEADER_SIZE = len(_PREFIX) + 1 + _MAX_KEY_ID + 2 + _MAX_OBJECT_ID + _KEY_SIZE


@dataclass(frozen=True)
class EnvelopeHeader:
    """The clear part of an envelope (authenticated on opening): which key, which object."""

    version: int
    key_id: str
    object_id: str
    ephemeral_public: bytes


def seal(public_key: bytes, key_id: str, object_id: str, plaintext: bytes) -> bytes:
    """Seal ``plaintext`` to an X25519 ``public_key`` (32 raw bytes) labelled ``key_id``.

    ``object_id`` is bound to the envelope: opening it as another object fails. Use a
    ``Sealer`` to seal many objects to the same key.
    """
    return _seal_with(
        public_key,
        key_id,
        object_id,
        plaintext,
        ephemeral=X25519PrivateKey.generate(),
        data_key=os.urandom(_KEY_SIZE),
        wrap_nonce=os.urandom(_NONCE_SIZE),
        body_nonce=os.urandom(_NONCE_SIZE),
    )


class Sealer:
    """Seals many objects to one public key, sharing one ephemeral key pair between them.

    Why: a collector seals screenshots and window titles many times a minute on a laptop,
    and for small fields the X25519 agreement is the dominant cost. A Sealer agrees one KEK
    and reuses it for ``max_uses`` objects, then agrees a new one. Each object still gets
    its own random data key and nonces, and the output is an ordinary envelope that
    ``open_envelope`` reads. The ephemeral private key is dropped as soon as the KEK is
    derived, so the device still cannot open what it sealed. Envelopes from one Sealer
    share an ephemeral public key, which links them no more than their common key id does.
    Safe to share between threads.
    """

    def __init__(self, public_key: bytes, key_id: str, *, max_uses: int = 10_000) -> None:
        if isinstance(max_uses, bool) or not isinstance(max_uses, int) or max_uses < 1:
            raise ValueError("max_uses must be a positive int")
        self._recipient = _check_public_key(public_key)
        self._key_id_field = _key_id_field(key_id)
        self._max_uses = max_uses
        self._lock = threading.Lock()
        self._rekey()

    def _rekey(self) -> None:
        ephemeral = X25519PrivateKey.generate()
        self._ephemeral_public = _raw_public(ephemeral)
        self._kek = _sealing_kek(ephemeral, self._recipient)
        self._uses = 0

    def seal(self, object_id: str, plaintext: bytes) -> bytes:
        """Seal ``plaintext`` as ``object_id``; see ``seal`` for the guarantees."""
        object_field = _object_id_field(object_id)
        with self._lock:
            if self._uses >= self._max_uses:
                self._rekey()
            self._uses += 1
            ephemeral_public, kek = self._ephemeral_public, self._kek
        header = b"".join((_PREFIX, self._key_id_field, object_field, ephemeral_public))
        data_key, wrap_nonce, body_nonce = (os.urandom(n) for n in _RANDOMNESS_SIZES)
        return _assemble(header, kek, data_key, wrap_nonce, body_nonce, plaintext)


def open_envelope(
    private_key: X25519PrivateKey, envelope: bytes, *, object_id: str | None = None
) -> bytes:
    """Open ``envelope`` with the recipient's private key and return the plaintext.

    If ``object_id`` is given the envelope must have been sealed as that object. Any
    failure (malformed, truncated, tampered, wrong key or object) raises a bare
    ``InvalidToken``.
    """
    if not isinstance(private_key, X25519PrivateKey):
        raise ValueError("private_key must be an X25519PrivateKey")
    if object_id is not None and not isinstance(object_id, str):
        raise ValueError("object_id must be a str or None")
    view = _byte_view(envelope)
    header, end = _parse_header(view)
    if object_id is not None and object_id != header.object_id:
        raise InvalidToken
    wrap_nonce, pos = _take(view, end, _NONCE_SIZE)
    wrapped_key, pos = _take(view, pos, _WRAPPED_KEY_SIZE)
    body_nonce, pos = _take(view, pos, _NONCE_SIZE)
    if len(view) - pos < _TAG_SIZE:
        raise InvalidToken
    try:
        peer = X25519PublicKey.from_public_bytes(header.ephemeral_public)
        shared = private_key.exchange(peer)
        kek = _derive_kek(shared, header.ephemeral_public, _raw_public(private_key))
        data_key = kek.decrypt(wrap_nonce, wrapped_key, view[:end])
        # A memoryview slice: the body is not copied before decryption.
        return AESGCM(data_key).decrypt(body_nonce, view[pos:], view[:end])
    except (InvalidTag, ValueError):
        # ValueError: a low-order ephemeral point makes the agreement fail.
        raise InvalidToken from None


def read_header(envelope: bytes) -> EnvelopeHeader:
    """Parse the header of ``envelope`` (or of its first ``MAX_HEADER_SIZE`` bytes).

    Only the header is read, and it is not yet authenticated: use it to choose the key,
    then ``open_envelope`` checks everything. Raises ``InvalidToken`` if it is malformed.
    """
    return _parse_header(_byte_view(envelope))[0]


def _seal_with(
    public_key: bytes,
    key_id: str,
    object_id: str,
    plaintext: bytes,
    *,
    ephemeral: X25519PrivateKey,
    data_key: bytes,
    wrap_nonce: bytes,
    body_nonce: bytes,
) -> bytes:
    """``seal`` with explicit randomness, so that fixed test vectors are reproducible."""
    recipient = _check_public_key(public_key)
    header = b"".join(
        (_PREFIX, _key_id_field(key_id), _object_id_field(object_id), _raw_public(ephemeral))
    )
    kek = _sealing_kek(ephemeral, recipient)
    return _assemble(header, kek, data_key, wrap_nonce, body_nonce, plaintext)


def _assemble(
    header: bytes,
    kek: AESGCM,
    data_key: bytes,
    wrap_nonce: bytes,
    body_nonce: bytes,
    plaintext: bytes,
) -> bytes:
    wrapped = kek.encrypt(wrap_nonce, data_key, header)
    prefix = b"".join((header, wrap_nonce, wrapped, body_nonce))
    body = AESGCM(data_key)
    if len(plaintext) < _IN_PLACE_MIN_SIZE:
        return prefix + body.encrypt(body_nonce, plaintext, header)
    # A large body is encrypted straight into one buffer of the final size: a separate
    # ciphertext joined afterwards holds two copies at once (measured 5x slower on 2 MB,
    # mostly fresh pages). getvalue() then hands over that buffer itself, not a copy.
    out = io.BytesIO()
    out.seek(len(prefix) + len(plaintext) + _TAG_SIZE - 1)
    out.write(b"\0")
    out.seek(0)
    out.write(prefix)
    with out.getbuffer() as buffer, buffer[len(prefix) :] as target:
        body.encrypt_into(body_nonce, plaintext, header, target)
    return out.getvalue()


def _sealing_kek(ephemeral: X25519PrivateKey, recipient_public: bytes) -> AESGCM:
    try:
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    except ValueError:
        raise ValueError("public_key is a low-order X25519 point, not a usable key") from None
    return _derive_kek(shared, _raw_public(ephemeral), recipient_public)


def _derive_kek(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> AESGCM:
    salt = ephemeral_public + recipient_public
    hkdf = HKDF(algorithm=SHA256(), length=_KEY_SIZE, salt=salt, info=_HKDF_INFO)
    return AESGCM(hkdf.derive(shared))


def _raw_public(private_key: X25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes_raw()


def _check_public_key(public_key: bytes) -> bytes:
    if not isinstance(public_key, bytes) or len(public_key) != _KEY_SIZE:
        raise ValueError("public_key must be the 32 raw bytes of an X25519 public key")
    return public_key


def _key_id_field(key_id: str) -> bytes:
    if not isinstance(key_id, str) or not key_id.isascii() or not 1 <= len(key_id) <= _MAX_KEY_ID:
        raise ValueError(f"key_id must be an ASCII str of 1 to {_MAX_KEY_ID} characters")
    return bytes([len(key_id)]) + key_id.encode("ascii")


def _object_id_field(object_id: str) -> bytes:
    expected = f"object_id must be a str of at most {_MAX_OBJECT_ID} bytes in UTF-8"
    if not isinstance(object_id, str):
        raise ValueError(expected)
    try:
        encoded = object_id.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(expected) from None
    if len(encoded) > _MAX_OBJECT_ID:
        raise ValueError(expected)
    return struct.pack(">H", len(encoded)) + encoded


def _byte_view(envelope: bytes) -> memoryview:
    try:
        return memoryview(envelope).cast("B")
    except TypeError:
        raise ValueError("envelope must be a bytes-like object") from None


def _parse_header(view: memoryview) -> tuple[EnvelopeHeader, int]:
    """Return the header and where it ends; ``InvalidToken`` if it is malformed."""
    if view[: len(_PREFIX)] != _PREFIX:
        raise InvalidToken
    key_id, pos = _take(view, len(_PREFIX) + 1, _length(view, len(_PREFIX), 1))
    object_id, pos = _take(view, pos + 2, _length(view, pos, 2))
    ephemeral_public, end = _take(view, pos, _KEY_SIZE)
    try:
        header = EnvelopeHeader(
            _VERSION, str(key_id, "ascii"), str(object_id, "utf-8"), bytes(ephemeral_public)
        )
    except UnicodeDecodeError:
        raise InvalidToken from None
    if not 1 <= len(key_id) <= _MAX_KEY_ID or len(object_id) > _MAX_OBJECT_ID:
        raise InvalidToken
    return header, end


def _length(view: memoryview, pos: int, size: int) -> int:
    return int.from_bytes(_take(view, pos, size)[0], "big")


def _take(view: memoryview, pos: int, size: int) -> tuple[memoryview, int]:
    end = pos + size
    if end > len(view):
        raise InvalidToken
    return view[pos:end], end
