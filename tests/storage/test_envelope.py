"""The encryption envelope: fixed vectors, round trips, and rejection of every tampering."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

import storage.crypto
from storage.crypto import (
    MAX_HEADER_SIZE,
    EnvelopeHeader,
    Sealer,
    open_envelope,
    read_header,
    seal,
)
from storage.crypto.envelope import _seal_with
from storage.errors import InvalidToken

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "envelope_v1.json").read_text(encoding="utf-8")
)["vectors"]
KEY_ID = "k_0123456789abcdef"
RECIPIENT = X25519PrivateKey.generate()
PUBLIC = RECIPIENT.public_key().public_bytes_raw()

key_ids = st.text(st.characters(max_codepoint=127), min_size=1, max_size=64)
# At most 4 bytes a character in UTF-8, so always within the 1024-byte limit.
object_ids = st.text(max_size=256)


def opens(envelope: bytes, private_key: X25519PrivateKey = RECIPIENT) -> bool:
    try:
        open_envelope(private_key, envelope)
    except InvalidToken:
        return False
    return True


def flip(data: bytes, bit: int) -> bytes:
    changed = bytearray(data)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def header_size(envelope: bytes) -> int:
    header = read_header(envelope)
    return 39 + len(header.key_id) + len(header.object_id.encode())


def seal_vector(vector: dict[str, Any]) -> bytes:
    recipient = X25519PrivateKey.from_private_bytes(bytes.fromhex(vector["recipient_private_key"]))
    return _seal_with(
        recipient.public_key().public_bytes_raw(),
        vector["key_id"],
        vector["object_id"],
        bytes.fromhex(vector["plaintext"]),
        ephemeral=X25519PrivateKey.from_private_bytes(
            bytes.fromhex(vector["ephemeral_private_key"])
        ),
        data_key=bytes.fromhex(vector["data_key"]),
        wrap_nonce=bytes.fromhex(vector["wrap_nonce"]),
        body_nonce=bytes.fromhex(vector["body_nonce"]),
    )


def reference_envelope(
    public_key: bytes, key_id: str, object_id: str, plaintext: bytes, randomness: bytes
) -> bytes:
    """The version 1 layout built straight from the module docstring, for comparison."""
    ephemeral = X25519PrivateKey.from_private_bytes(randomness[:32])
    data_key, wrap_nonce, body_nonce = randomness[32:64], randomness[64:76], randomness[76:88]
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    kid, oid = key_id.encode("ascii"), object_id.encode("utf-8")
    header = b"TQE\x01" + bytes([len(kid)]) + kid + len(oid).to_bytes(2, "big") + oid
    header += ephemeral_public
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    kek = HKDF(SHA256(), 32, ephemeral_public + public_key, b"traqnext envelope v1").derive(shared)
    wrapped = AESGCM(kek).encrypt(wrap_nonce, data_key, header)
    body = AESGCM(data_key).encrypt(body_nonce, plaintext, header)
    return header + wrap_nonce + wrapped + body_nonce + body


@pytest.mark.parametrize("vector", VECTORS, ids=[v["description"] for v in VECTORS])
def test_vector_is_reproduced_exactly(vector: dict[str, Any]) -> None:
    assert seal_vector(vector).hex() == vector["envelope"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["description"] for v in VECTORS])
def test_vector_opens_to_its_plaintext(vector: dict[str, Any]) -> None:
    recipient = X25519PrivateKey.from_private_bytes(bytes.fromhex(vector["recipient_private_key"]))
    envelope = bytes.fromhex(vector["envelope"])
    plaintext = open_envelope(recipient, envelope, object_id=vector["object_id"])
    assert plaintext == bytes.fromhex(vector["plaintext"])
    assert read_header(envelope).key_id == vector["key_id"]


def test_vectors_cover_empty_text_and_binary_with_non_ascii_object_id() -> None:
    sizes = [len(v["plaintext"]) // 2 for v in VECTORS]
    assert len(VECTORS) >= 3 and 0 in sizes and max(sizes) >= 2048
    assert any(not v["object_id"].isascii() for v in VECTORS)


@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 200_000])
def test_output_matches_the_documented_layout(size: int) -> None:
    plaintext, randomness = random.Random(size).randbytes(size), random.Random(1).randbytes(88)
    envelope = _seal_with(
        PUBLIC,
        KEY_ID,
        "screens/p_1/ö",
        plaintext,
        ephemeral=X25519PrivateKey.from_private_bytes(randomness[:32]),
        data_key=randomness[32:64],
        wrap_nonce=randomness[64:76],
        body_nonce=randomness[76:88],
    )
    assert envelope == reference_envelope(PUBLIC, KEY_ID, "screens/p_1/ö", plaintext, randomness)


@given(plaintext=st.binary(max_size=4096), key_id=key_ids, object_id=object_ids)
def test_seal_round_trips(plaintext: bytes, key_id: str, object_id: str) -> None:
    envelope = seal(PUBLIC, key_id, object_id, plaintext)
    assert open_envelope(RECIPIENT, envelope, object_id=object_id) == plaintext
    header = read_header(envelope)
    assert (header.version, header.key_id, header.object_id) == (1, key_id, object_id)


@given(plaintexts=st.lists(st.binary(max_size=2048), min_size=1, max_size=5), object_id=object_ids)
def test_sealer_round_trips(plaintexts: list[bytes], object_id: str) -> None:
    sealer = Sealer(PUBLIC, KEY_ID, max_uses=2)
    for plaintext in plaintexts:
        envelope = sealer.seal(object_id, plaintext)
        assert open_envelope(RECIPIENT, envelope, object_id=object_id) == plaintext


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_large_screenshot_round_trips(wrap: Any) -> None:
    screenshot = random.Random(2).randbytes(2 * 1024 * 1024)
    for envelope in (
        seal(PUBLIC, KEY_ID, "s", screenshot),
        Sealer(PUBLIC, KEY_ID).seal("s", screenshot),
    ):
        assert open_envelope(RECIPIENT, wrap(envelope), object_id="s") == screenshot


def test_every_flipped_bit_of_a_short_envelope_is_rejected() -> None:
    envelope = seal(PUBLIC, KEY_ID, "titles/p_1/ü", b"Inbox - Mail")
    accepted = [bit for bit in range(len(envelope) * 8) if opens(flip(envelope, bit))]
    assert accepted == []


def test_sampled_flipped_bits_of_a_long_envelope_are_rejected() -> None:
    envelope = Sealer(PUBLIC, KEY_ID).seal("screens/p_1/a.png", bytes(100_000))
    header_bits = list(range(header_size(envelope) * 8))
    sampled = random.Random(3).sample(range(len(envelope) * 8), 600)
    accepted = [bit for bit in header_bits + sampled if opens(flip(envelope, bit))]
    assert accepted == []


def test_every_truncation_is_rejected() -> None:
    envelope = seal(PUBLIC, KEY_ID, "o", b"short")
    assert [size for size in range(len(envelope)) if opens(envelope[:size])] == []


@pytest.mark.parametrize("extra", [b"\0", b"garbage", bytes(16), bytes(4096)])
def test_appended_bytes_are_rejected(extra: bytes) -> None:
    envelope = seal(PUBLIC, KEY_ID, "o", b"payload")
    assert not opens(envelope + extra)


def test_wrong_private_key_is_rejected() -> None:
    assert not opens(seal(PUBLIC, KEY_ID, "o", b"payload"), X25519PrivateKey.generate())


def test_other_object_id_is_rejected() -> None:
    envelope = seal(PUBLIC, KEY_ID, "screens/p_1/a.png", b"payload")
    with pytest.raises(InvalidToken):
        open_envelope(RECIPIENT, envelope, object_id="screens/p_1/b.png")
    assert open_envelope(RECIPIENT, envelope, object_id="screens/p_1/a.png") == b"payload"


def test_low_order_ephemeral_key_is_rejected() -> None:
    envelope = bytearray(seal(PUBLIC, KEY_ID, "o", b"payload"))
    start = header_size(bytes(envelope)) - 32
    envelope[start : start + 32] = bytes(32)
    assert not opens(bytes(envelope))


def test_failures_are_bare_and_unchained() -> None:
    with pytest.raises(InvalidToken) as raised:
        open_envelope(X25519PrivateKey.generate(), seal(PUBLIC, KEY_ID, "o", b"x"))
    assert str(raised.value) == ""
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_read_header_round_trips() -> None:
    envelope = seal(PUBLIC, KEY_ID, "titles/p_9/€", b"x" * 10)
    header = read_header(envelope)
    assert header == EnvelopeHeader(1, KEY_ID, "titles/p_9/€", header.ephemeral_public)
    assert len(header.ephemeral_public) == 32
    assert read_header(envelope[:MAX_HEADER_SIZE]) == header


def test_read_header_needs_at_most_max_header_size_bytes() -> None:
    envelope = seal(PUBLIC, "k" * 64, "é" * 512, b"")
    assert read_header(envelope[:MAX_HEADER_SIZE]).object_id == "é" * 512


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"TQE",
        b"TQX\x01" + bytes(200),
        b"TQE\x02" + bytes(200),
        b"TQE\x01\x00\x00\x00" + bytes(200),  # empty key id
        b"TQE\x01\x01\xff\x00\x00" + bytes(200),  # non-ASCII key id
        b"TQE\x01\x01k\x00\x01\xff" + bytes(200),  # object id not UTF-8
        b"TQE\x01\x01k\x04\x01" + bytes(2000),  # object id longer than 1024 bytes
        b"TQE\x01\x01k\x00\x00" + bytes(31),  # ephemeral key cut short
    ],
)
def test_malformed_headers_are_rejected(data: bytes) -> None:
    with pytest.raises(InvalidToken):
        read_header(data)
    assert not opens(data)


@pytest.mark.parametrize(
    ("public_key", "key_id", "object_id", "expected"),
    [
        (PUBLIC[:31], KEY_ID, "o", "32 raw bytes"),
        (PUBLIC.hex(), KEY_ID, "o", "32 raw bytes"),
        (bytes(32), KEY_ID, "o", "low-order"),
        (PUBLIC, "", "o", "1 to 64"),
        (PUBLIC, "k" * 65, "o", "1 to 64"),
        (PUBLIC, "clé", "o", "ASCII"),
        (PUBLIC, KEY_ID, "o" * 1025, "1024 bytes"),
        (PUBLIC, KEY_ID, "é" * 513, "1024 bytes"),
        (PUBLIC, KEY_ID, "\ud800", "UTF-8"),
        (PUBLIC, KEY_ID, b"o", "a str"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else type(value).__name__,
)
def test_misuse_raises_value_error_with_expected_form(
    public_key: Any, key_id: str, object_id: Any, expected: str
) -> None:
    with pytest.raises(ValueError, match=expected) as raised:
        seal(public_key, key_id, object_id, b"payload")
    assert PUBLIC.hex() not in str(raised.value)


def test_limits_are_inclusive() -> None:
    envelope = seal(PUBLIC, "k" * 64, "o" * 1024, b"payload")
    assert open_envelope(RECIPIENT, envelope, object_id="o" * 1024) == b"payload"


def test_open_misuse_raises_value_error() -> None:
    envelope = seal(PUBLIC, KEY_ID, "o", b"payload")
    with pytest.raises(ValueError, match="X25519PrivateKey"):
        open_envelope(PUBLIC, envelope)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bytes-like"):
        open_envelope(RECIPIENT, envelope.hex())  # type: ignore[arg-type]


@pytest.mark.parametrize("max_uses", [0, -1, True, 1.5])
def test_sealer_rejects_bad_max_uses(max_uses: Any) -> None:
    with pytest.raises(ValueError, match="positive int"):
        Sealer(PUBLIC, KEY_ID, max_uses=max_uses)


def test_sealer_validates_key_at_construction() -> None:
    with pytest.raises(ValueError, match="32 raw bytes"):
        Sealer(PUBLIC[:16], KEY_ID)
    with pytest.raises(ValueError, match="1 to 64"):
        Sealer(PUBLIC, "")


def test_sealer_uses_a_fresh_data_key_and_nonces_per_object() -> None:
    sealer = Sealer(PUBLIC, KEY_ID)
    first, second = sealer.seal("o", b"same title"), sealer.seal("o", b"same title")
    size = header_size(first)
    assert first[:size] == second[:size]  # one ephemeral key, amortised
    for start, end in [(size, size + 12), (size + 12, size + 60), (size + 60, len(first))]:
        assert first[start:end] != second[start:end]
    assert open_envelope(RECIPIENT, first) == open_envelope(RECIPIENT, second) == b"same title"


def test_sealer_takes_a_new_ephemeral_key_after_max_uses() -> None:
    sealer = Sealer(PUBLIC, KEY_ID, max_uses=3)
    keys = [read_header(sealer.seal("o", b"x")).ephemeral_public for _ in range(7)]
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert keys[3] == keys[4] == keys[5] != keys[6]


def test_sealer_keeps_no_private_key() -> None:
    sealer = Sealer(PUBLIC, KEY_ID)
    assert not any(isinstance(value, X25519PrivateKey) for value in vars(sealer).values())


def test_one_shot_seal_takes_a_new_ephemeral_key_each_time() -> None:
    first, second = (read_header(seal(PUBLIC, KEY_ID, "o", b"x")) for _ in range(2))
    assert first.ephemeral_public != second.ephemeral_public


def test_package_exports_every_public_name() -> None:
    from storage.crypto import envelope, keys

    defined_here = {
        name
        for module in (envelope, keys)
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
    }
    assert defined_here | {"MAX_HEADER_SIZE"} == set(storage.crypto.__all__)
    assert all(hasattr(storage.crypto, name) for name in storage.crypto.__all__)
