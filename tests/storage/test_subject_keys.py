"""The master key file and subject keys: creation, loading, wrapping, rotation, shredding."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import stat
from pathlib import Path

import pytest

from storage.crypto import (
    MasterKey,
    WrappedSubjectKey,
    create_master_key_file,
    generate_subject_key,
    load_master_key,
    open_envelope,
    rewrap_subject_key,
    seal,
    unwrap_private_key,
)
from storage.errors import InvalidToken, KeyDestroyed, MasterKeyError

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


@pytest.fixture
def master() -> MasterKey:
    return MasterKey(os.urandom(32))


@pytest.fixture
def other_master() -> MasterKey:
    return MasterKey(os.urandom(32))


def assert_no_key_bytes(message: str, *masters: MasterKey) -> None:
    for key in masters:
        assert key.key.hex() not in message.lower()
        assert repr(key.key) not in message


def test_master_key_id_is_a_domain_separated_hash_prefix(master: MasterKey) -> None:
    digest = hashlib.sha256(b"traqnext master key id\0" + master.key).hexdigest()
    assert master.key_id == digest[:16]


def test_master_key_repr_hides_the_key(master: MasterKey) -> None:
    assert master.key_id in repr(master)
    assert_no_key_bytes(repr(master), master)


@pytest.mark.parametrize("key", [b"", bytes(31), bytes(33)])
def test_master_key_must_be_32_bytes(key: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        MasterKey(key)


@posix_only
def test_created_master_key_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    create_master_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_created_master_key_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "master.key"
    created = create_master_key_file(path)
    assert load_master_key(path) == created
    assert path.read_bytes() == created.key
    assert sorted(p.name for p in path.parent.iterdir()) == ["master.key"]


def test_create_refuses_to_overwrite_an_existing_key(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    first = create_master_key_file(path)
    with pytest.raises(MasterKeyError, match="already exists") as raised:
        create_master_key_file(path)
    assert path.read_bytes() == first.key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]
    assert_no_key_bytes(str(raised.value), first)


def test_two_created_keys_differ(tmp_path: Path) -> None:
    first = create_master_key_file(tmp_path / "a.key")
    second = create_master_key_file(tmp_path / "b.key")
    assert first.key != second.key and first.key_id != second.key_id


def test_missing_master_key_file_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "absent.key"
    with pytest.raises(MasterKeyError, match="does not exist") as raised:
        load_master_key(path)
    assert str(path) in str(raised.value) and "traq init" in str(raised.value)


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o620])
def test_master_key_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "master.key"
    master = create_master_key_file(path)
    path.chmod(mode)
    with pytest.raises(MasterKeyError) as raised:
        load_master_key(path)
    message = str(raised.value)
    assert f"chmod 600 {path}" in message and "\n" not in message
    assert_no_key_bytes(message, master)


@posix_only
def test_owner_read_only_master_key_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    master = create_master_key_file(path)
    path.chmod(0o400)
    assert load_master_key(path) == master


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_master_key_of_wrong_size_is_refused(tmp_path: Path, size: int) -> None:
    path = tmp_path / "master.key"
    content = os.urandom(size)
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(MasterKeyError, match="exactly 32 bytes") as raised:
        load_master_key(path)
    assert size == 0 or content.hex() not in str(raised.value)


def test_master_key_path_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="master key file"):
        load_master_key(tmp_path)


def test_subject_key_wraps_and_unwraps(master: MasterKey) -> None:
    wrapped = generate_subject_key(master)
    assert re.fullmatch(r"k_[0-9a-f]{16}", wrapped.key_id)
    assert wrapped.master_key_id == master.key_id
    assert wrapped.wrapped_private is not None and len(wrapped.wrapped_private) == 60
    private = unwrap_private_key(master, wrapped)
    assert private.public_key().public_bytes_raw() == wrapped.public_key
    assert private.private_bytes_raw() not in wrapped.wrapped_private


def test_subject_keys_are_distinct(master: MasterKey) -> None:
    first, second = generate_subject_key(master), generate_subject_key(master)
    assert first.key_id != second.key_id and first.public_key != second.public_key


def test_every_flipped_bit_of_a_wrapped_key_is_rejected(master: MasterKey) -> None:
    wrapped = generate_subject_key(master)
    blob = wrapped.wrapped_private
    assert blob is not None
    for bit in range(len(blob) * 8):
        changed = bytearray(blob)
        changed[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(InvalidToken):
            unwrap_private_key(master, dataclasses.replace(wrapped, wrapped_private=bytes(changed)))


@pytest.mark.parametrize("size", [0, 12, 28, 59, 61])
def test_wrapped_key_of_wrong_size_is_rejected(master: MasterKey, size: int) -> None:
    wrapped = generate_subject_key(master)
    assert wrapped.wrapped_private is not None
    blob = (wrapped.wrapped_private * 2)[:size]
    with pytest.raises(InvalidToken):
        unwrap_private_key(master, dataclasses.replace(wrapped, wrapped_private=blob))


def test_wrapped_key_is_bound_to_its_key_id(master: MasterKey) -> None:
    first, second = generate_subject_key(master), generate_subject_key(master)
    swapped = dataclasses.replace(second, wrapped_private=first.wrapped_private)
    with pytest.raises(InvalidToken):
        unwrap_private_key(master, swapped)
    with pytest.raises(InvalidToken):
        unwrap_private_key(master, dataclasses.replace(first, key_id=second.key_id))


def test_swapped_public_key_is_rejected(master: MasterKey) -> None:
    first, second = generate_subject_key(master), generate_subject_key(master)
    with pytest.raises(InvalidToken):
        unwrap_private_key(master, dataclasses.replace(first, public_key=second.public_key))


def test_wrong_master_key_names_both_ids(master: MasterKey, other_master: MasterKey) -> None:
    wrapped = generate_subject_key(master)
    with pytest.raises(MasterKeyError) as raised:
        unwrap_private_key(other_master, wrapped)
    message = str(raised.value)
    assert f"wrapped by master key {master.key_id}" in message
    assert f"the loaded master key is {other_master.key_id}" in message
    assert_no_key_bytes(message, master, other_master)


def test_forged_master_key_id_is_rejected(master: MasterKey, other_master: MasterKey) -> None:
    forged = dataclasses.replace(generate_subject_key(master), master_key_id=other_master.key_id)
    with pytest.raises(InvalidToken):
        unwrap_private_key(other_master, forged)


def test_destroyed_key_cannot_be_unwrapped(master: MasterKey) -> None:
    destroyed = dataclasses.replace(generate_subject_key(master), wrapped_private=None)
    with pytest.raises(KeyDestroyed) as raised:
        unwrap_private_key(master, destroyed)
    assert destroyed.key_id in str(raised.value)
    assert_no_key_bytes(str(raised.value), master)


def test_rewrap_opens_with_the_new_master_only(master: MasterKey, other_master: MasterKey) -> None:
    wrapped = generate_subject_key(master)
    rewrapped = rewrap_subject_key(master, other_master, wrapped)
    assert (rewrapped.key_id, rewrapped.public_key) == (wrapped.key_id, wrapped.public_key)
    assert rewrapped.master_key_id == other_master.key_id
    assert rewrapped.wrapped_private != wrapped.wrapped_private
    new_private = unwrap_private_key(other_master, rewrapped)
    assert (
        new_private.private_bytes_raw() == unwrap_private_key(master, wrapped).private_bytes_raw()
    )
    with pytest.raises(MasterKeyError):
        unwrap_private_key(master, rewrapped)
    forged = dataclasses.replace(rewrapped, master_key_id=master.key_id)
    with pytest.raises(InvalidToken):
        unwrap_private_key(master, forged)


def test_rewrap_needs_the_old_master(master: MasterKey, other_master: MasterKey) -> None:
    wrapped = generate_subject_key(master)
    with pytest.raises(MasterKeyError):
        rewrap_subject_key(other_master, MasterKey(os.urandom(32)), wrapped)


def test_destroyed_key_stays_destroyed_after_rewrap(
    master: MasterKey, other_master: MasterKey
) -> None:
    destroyed = dataclasses.replace(generate_subject_key(master), wrapped_private=None)
    rewrapped = rewrap_subject_key(master, other_master, destroyed)
    assert rewrapped.wrapped_private is None
    with pytest.raises(KeyDestroyed):
        unwrap_private_key(other_master, rewrapped)


def test_envelope_sealed_before_rotation_opens_after(
    master: MasterKey, other_master: MasterKey
) -> None:
    wrapped = generate_subject_key(master)
    envelope = seal(wrapped.public_key, wrapped.key_id, "screens/p_1/a.png", b"pixels")
    rewrapped = rewrap_subject_key(master, other_master, wrapped)
    private = unwrap_private_key(other_master, rewrapped)
    assert open_envelope(private, envelope, object_id="screens/p_1/a.png") == b"pixels"


def test_wrapped_subject_key_is_a_frozen_record(master: MasterKey) -> None:
    wrapped = generate_subject_key(master)
    assert isinstance(wrapped, WrappedSubjectKey)
    with pytest.raises(dataclasses.FrozenInstanceError):
        wrapped.key_id = "k_other"  # type: ignore[misc]
