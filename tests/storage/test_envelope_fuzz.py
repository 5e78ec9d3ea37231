"""The envelope parser on arbitrary bytes: a header, or a bare InvalidToken, nothing else.

``read_header`` runs on what a device uploaded (the ingestion service reads the header of
every committed screenshot) and ``open_envelope`` on what storage returns: neither may fail
with anything but our own ``InvalidToken`` however the bytes were made.
"""

from __future__ import annotations

import struct

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.crypto import MAX_HEADER_SIZE, EnvelopeHeader, Sealer, open_envelope, read_header
from storage.errors import InvalidToken

FUZZ = settings(max_examples=100, deadline=None)
RECIPIENT = X25519PrivateKey.generate()
SEALED = Sealer(RECIPIENT.public_key().public_bytes_raw(), "k_fuzz").seal("o/1", b"plaintext")

# Bytes that look like an envelope's start, so the parser gets past the magic and version.
headers = st.builds(
    lambda key_id, object_id, declared, tail: (
        b"TQE\x01" + bytes([len(key_id)]) + key_id + struct.pack(">H", declared) + object_id + tail
    ),
    st.binary(max_size=70),
    st.binary(max_size=1100),
    st.integers(0, 2**16 - 1),
    st.binary(max_size=200),
)
envelopes = st.binary(max_size=2000) | headers


def mutations(envelope: bytes) -> st.SearchStrategy[bytes]:
    """``envelope`` with a span of bytes replaced, cut short, or extended."""
    size = len(envelope)
    replaced = st.builds(
        lambda at, junk: envelope[:at] + junk + envelope[at + len(junk) :],
        st.integers(0, size),
        st.binary(min_size=1, max_size=40),
    )
    cut = st.integers(0, size - 1).map(lambda at: envelope[:at])
    return replaced | cut | st.binary(min_size=1, max_size=40).map(lambda extra: envelope + extra)


def read_or_refuse(data: bytes) -> EnvelopeHeader | None:
    """The header, or None for our InvalidToken; any other exception fails the test."""
    try:
        header = read_header(data)
    except InvalidToken as exc:
        assert str(exc) == "" and exc.__cause__ is None  # bare: nothing learnt from it
        return None
    assert 1 <= len(header.key_id) <= 64 and len(header.object_id.encode()) <= 1024
    return header


@FUZZ
@given(data=envelopes)
def test_read_header_of_any_bytes_is_a_header_or_invalid_token(data: bytes) -> None:
    read_or_refuse(data)
    read_or_refuse(data[:MAX_HEADER_SIZE])


@FUZZ
@given(data=envelopes)
def test_opening_any_bytes_is_invalid_token(data: bytes) -> None:
    try:
        open_envelope(RECIPIENT, data)
    except InvalidToken:
        return
    raise AssertionError("random bytes opened")


@FUZZ
@given(data=mutations(SEALED))
def test_a_mutated_envelope_never_opens_and_never_crashes(data: bytes) -> None:
    read_or_refuse(data)
    if data == SEALED:
        return
    try:
        open_envelope(RECIPIENT, data)
    except InvalidToken:
        return
    raise AssertionError("a mutated envelope opened")
