"""Object store behaviour, over the folder backend and a real S3 endpoint (moto server)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import storage.objects
from storage.errors import ConfigError, InvalidObjectKey, ObjectNotFound, ObjectStoreError
from storage.objects import (
    LocalObjectStore,
    ObjectStore,
    S3ObjectStore,
    open_object_store,
    screenshot_key,
    subject_prefix,
    validate_key,
)
from tests.fixtures.s3 import S3Endpoint, free_port

REPO = Path(__file__).resolve().parents[2]
ALICE = "s_0123456789abcdef"
BOB = "s_fedcba9876543210"
BAD_KEYS = ["../x", "a/../b", "/abs/path", "a//b", "a b", "alice@example.com", "a/", "", "."]


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 2 * 1024 * 1024], ids=["empty", "one-byte", "2MB"])
def test_put_then_get_returns_the_same_bytes(object_store: ObjectStore, size: int) -> None:
    data = os.urandom(size)
    object_store.put("subjects/s_0123456789abcdef/blob.bin", data)
    assert object_store.get("subjects/s_0123456789abcdef/blob.bin") == data


def test_put_overwrites_the_current_object(object_store: ObjectStore) -> None:
    object_store.put("a/key", b"old")
    object_store.put("a/key", b"new")
    assert object_store.get("a/key") == b"new"
    assert list(object_store.list_keys()) == ["a/key"]


def test_exists_follows_put_and_delete(object_store: ObjectStore) -> None:
    assert not object_store.exists("a/key")
    object_store.put("a/key", b"x")
    assert object_store.exists("a/key")
    assert not object_store.exists("a")  # a folder-like prefix is not an object
    object_store.delete("a/key")
    assert not object_store.exists("a/key")


def test_delete_is_idempotent(object_store: ObjectStore) -> None:
    object_store.delete("never/written")
    object_store.put("a/key", b"x")
    object_store.delete("a/key")
    object_store.delete("a/key")
    with pytest.raises(ObjectNotFound):
        object_store.get("a/key")


def test_get_missing_key_raises_object_not_found(object_store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        object_store.get("no/such/key")


def test_get_unknown_version_raises_object_not_found(object_store: ObjectStore) -> None:
    object_store.put("a/key", b"x")
    with pytest.raises(ObjectNotFound):
        object_store.get("a/key", version_id="no-such-version")


# --- listing ---------------------------------------------------------------------------------


def test_list_keys_is_sorted_and_filtered_by_prefix(object_store: ObjectStore) -> None:
    keys = ["b/2", "a/b/c", "a/a", "a-b", "a/b0", "c"]
    for key in keys:
        object_store.put(key, key.encode())
    assert list(object_store.list_keys()) == sorted(keys)
    assert list(object_store.list_keys("a/")) == ["a/a", "a/b/c", "a/b0"]
    assert list(object_store.list_keys("a/b")) == ["a/b/c", "a/b0"]  # partial segment
    assert list(object_store.list_keys("zzz/")) == []


def test_list_versions_reports_current_objects(object_store: ObjectStore) -> None:
    object_store.put("v/one", b"1")
    object_store.put("v/two", b"22")
    versions = list(object_store.list_versions("v/"))
    assert [(v.key, v.size, v.is_latest, v.is_delete_marker) for v in versions] == [
        ("v/one", 1, True, False),
        ("v/two", 2, True, False),
    ]


# --- purge -----------------------------------------------------------------------------------


def test_purge_removes_exactly_the_prefix(object_store: ObjectStore) -> None:
    alice = [f"{subject_prefix(ALICE)}screenshots/{n}.tqe" for n in range(5)]
    bob = [f"{subject_prefix(BOB)}screenshots/{n}.tqe" for n in range(3)]
    for key in [*alice, *bob, "subjects/s_0123456789abcdef0/lookalike"]:
        object_store.put(key, b"sealed")
    assert object_store.purge(subject_prefix(ALICE)) == len(alice)
    assert list(object_store.list_keys(subject_prefix(ALICE))) == []
    assert list(object_store.list_keys(subject_prefix(BOB))) == bob
    assert object_store.exists("subjects/s_0123456789abcdef0/lookalike")
    assert object_store.purge(subject_prefix(ALICE)) == 0


@pytest.mark.parametrize("prefix", ["", "subjects", "subjects/s_0123456789abcdef"])
def test_purge_refuses_a_prefix_that_could_wipe_the_store(
    object_store: ObjectStore, prefix: str
) -> None:
    with pytest.raises(ValueError, match="ending with '/'"):
        object_store.purge(prefix)


def test_check_writable_leaves_nothing_behind(object_store: ObjectStore) -> None:
    object_store.check_writable()
    assert list(object_store.list_keys()) == []
    assert list(object_store.list_versions()) == []


# --- keys ------------------------------------------------------------------------------------


@given(st.text() | st.text(alphabet="ab./_=-@ \\\x00é", max_size=12))
def test_any_text_validates_or_raises_invalid_object_key(text: str) -> None:
    try:
        assert validate_key(text) == text
    except InvalidObjectKey:
        return
    assert ".." not in text.split("/") and not text.startswith("/")


SEGMENTS = st.from_regex(r"[A-Za-z0-9._=-]{1,12}", fullmatch=True).filter(
    lambda s: s not in (".", "..", ".tmp")
)


@given(st.lists(SEGMENTS, min_size=1, max_size=6).map("/".join))
def test_well_formed_keys_validate(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("key", [*BAD_KEYS, "a" * 513, ".tmp/x", "a/\n", "caf\u00e9"])
def test_validate_key_rejects_unsafe_keys(key: str) -> None:
    with pytest.raises(InvalidObjectKey):
        validate_key(key)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_every_method_validates_its_key(object_store: ObjectStore, key: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: object_store.put(key, b"x"),
        lambda: object_store.get(key),
        lambda: object_store.exists(key),
        lambda: object_store.delete(key),
    ]
    for call in calls:
        with pytest.raises(InvalidObjectKey):
            call()
    with pytest.raises(InvalidObjectKey):
        list(object_store.list_keys(f"{key}/x"))
    with pytest.raises(ValueError):
        object_store.purge(f"{key}/x/")


def test_screenshot_key_is_dated_in_utc() -> None:
    assert screenshot_key(ALICE, 1764079200, 3) == (
        "subjects/s_0123456789abcdef/screenshots/2025/11/25/1764079200-d3.tqe"
    )
    assert screenshot_key(ALICE, 1767225599, 0).split("/")[3:6] == ["2025", "12", "31"]


@pytest.mark.parametrize(
    "pseudonym",
    ["alice@example.com", "Alice Smith", "alice", "s_0123", "s_0123456789ABCDEF", "s_../../x"],
)
def test_screenshot_key_rejects_anything_but_a_pseudonym(pseudonym: str) -> None:
    with pytest.raises(InvalidObjectKey) as excinfo:
        screenshot_key(pseudonym, 1764079200, 1)
    assert pseudonym not in str(excinfo.value)  # the message must not repeat personal data
    with pytest.raises(InvalidObjectKey):
        subject_prefix(pseudonym)


@pytest.mark.parametrize("taken_at, device_id", [(-1, 0), (0, -1), (True, 0)])
def test_screenshot_key_rejects_bad_numbers(taken_at: int, device_id: int) -> None:
    with pytest.raises(InvalidObjectKey):
        screenshot_key(ALICE, taken_at, device_id)


# --- factory and public API ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "",
        "/abs/path",
        "objects",
        "file://relative/path",
        "file:relative",
        "http://example.com/objects",
        "s3://",
        "s3://ab/prefix",
        "s3://Bad_Bucket/x",
        "s3://bucket/../x",
        "s3://bucket/a b",
        "s3://bucket/x?versioned=1",
    ],
)
def test_open_object_store_rejects_bad_urls(url: str) -> None:
    with pytest.raises(ConfigError, match="TRAQ_OBJECT_STORE must be"):
        open_object_store(url)


def test_open_object_store_hides_credentials_in_errors() -> None:
    with pytest.raises(ConfigError) as excinfo:
        open_object_store("s3://AKIAEXAMPLE:hunter2@ab")
    assert "hunter2" not in str(excinfo.value)


def test_open_object_store_opens_each_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    local = open_object_store((tmp_path / "objects").as_uri())
    assert isinstance(local, LocalObjectStore)
    assert local.url == (tmp_path / "objects").as_uri()
    s3 = open_object_store("s3://tq-bucket/some/prefix/")
    assert isinstance(s3, S3ObjectStore)
    assert s3.url == "s3://tq-bucket/some/prefix"
    assert open_object_store("s3://tq-bucket").url == "s3://tq-bucket"


def test_public_api_is_complete() -> None:
    for name in storage.objects.__all__:
        assert hasattr(storage.objects, name), name


# --- S3 only: versions, prefixes, outages ----------------------------------------------------


def _hide_behind_marker(store: ObjectStore, key: str) -> None:
    """A plain S3 DELETE (as another tool would send): a delete marker, versions kept."""
    assert isinstance(store, S3ObjectStore)
    bucket, prefix = store.url.removeprefix("s3://").split("/", 1)
    store.client.delete_object(Bucket=bucket, Key=f"{prefix}/{key}")


def test_versioned_bucket_keeps_old_versions_of_a_plain_delete(s3_store_url: str) -> None:
    store = open_object_store(s3_store_url)
    first = store.put("a/key", b"one")
    second = store.put("a/key", b"two")
    assert first and second and first != second
    _hide_behind_marker(store, "a/key")
    assert not store.exists("a/key")
    assert store.get("a/key", version_id=first) == b"one"
    assert store.get("a/key", version_id=second) == b"two"
    versions = list(store.list_versions("a/"))
    assert sorted(v.is_delete_marker for v in versions) == [False, False, True]
    assert [v.is_delete_marker for v in versions if v.is_latest] == [True]
    assert list(store.list_keys()) == []


def test_delete_removes_every_version_and_marker_of_the_key_only(s3_store_url: str) -> None:
    store = open_object_store(s3_store_url)
    first = store.put("a/key", b"one")
    store.put("a/key", b"two")
    _hide_behind_marker(store, "a/key")
    store.put("a/key", b"three")
    store.put("a/key2", b"neighbour sharing the key as a prefix")
    store.put("a/key/inside", b"under the key as a folder")

    store.delete("a/key")

    assert [v.key for v in store.list_versions("a/")] == ["a/key/inside", "a/key2"]
    with pytest.raises(ObjectNotFound):
        store.get("a/key", version_id=first)
    store.delete("a/key")  # still idempotent


def test_delete_of_many_versions_crosses_listing_pages(s3_store_url: str) -> None:
    store = open_object_store(s3_store_url)
    for n in range(1_005):  # one more page than DeleteObjects takes at once
        store.put(f"p/{n:04d}", b"x")
    for n in range(3):
        store.put("p/0000", f"again {n}".encode())
    store.delete("p/0000")
    assert store.purge("p/") == 1_004
    assert list(store.list_versions("p/")) == []


def test_overwrite_leaves_only_the_new_version(s3_store_url: str) -> None:
    store = open_object_store(s3_store_url)
    store.put("lake/part", b"with the erased person")
    store.put("lake/part", b"still with them")
    store.put("lake/other", b"kept")
    store.overwrite("lake/part", b"without them")
    versions = list(store.list_versions("lake/"))
    assert [(v.key, v.is_latest) for v in versions] == [("lake/other", True), ("lake/part", True)]
    assert store.get("lake/part") == b"without them"


def test_purge_removes_every_version_and_delete_marker(s3_store_url: str) -> None:
    store = open_object_store(s3_store_url)
    first = store.put(f"{subject_prefix(ALICE)}x", b"one")
    store.put(f"{subject_prefix(ALICE)}x", b"two")
    _hide_behind_marker(store, f"{subject_prefix(ALICE)}x")
    store.put(f"{subject_prefix(ALICE)}y", b"three")
    store.put(f"{subject_prefix(BOB)}x", b"kept")
    assert store.purge(subject_prefix(ALICE)) == 4  # three versions and one delete marker
    assert list(store.list_versions(subject_prefix(ALICE))) == []
    with pytest.raises(ObjectNotFound):
        store.get(f"{subject_prefix(ALICE)}x", version_id=first)
    assert store.get(f"{subject_prefix(BOB)}x") == b"kept"


def test_store_prefix_is_hidden_and_isolates_stores(s3_store_url: str) -> None:
    store = open_object_store(s3_store_url)
    bucket = s3_store_url.removeprefix("s3://").split("/")[0]
    neighbour = S3ObjectStore(bucket, "other")
    store.put("k/1", b"mine")
    neighbour.put("k/1", b"theirs")
    assert list(store.list_keys()) == ["k/1"]
    assert [v.key for v in store.list_versions()] == ["k/1"]
    assert store.purge("k/") == 1
    assert neighbour.get("k/1") == b"theirs"


def test_missing_bucket_gives_a_clear_error(s3_env: S3Endpoint) -> None:
    store = S3ObjectStore("tq-no-such-bucket", "objects")
    with pytest.raises(ObjectStoreError, match="does not exist"):
        store.put("a/key", b"x")
    with pytest.raises(ObjectStoreError, match="not writable"):
        store.check_writable()


def test_unreachable_endpoint_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store = open_object_store("s3://tq-unreachable/objects")
    started = time.monotonic()
    with pytest.raises(ObjectStoreError, match="cannot reach the S3 endpoint"):
        store.put("a/key", b"secret-content")
    with pytest.raises(ObjectStoreError) as excinfo:
        list(store.list_keys())
    assert time.monotonic() - started < 15
    assert "secret-content" not in str(excinfo.value)


def test_store_recovers_when_the_endpoint_comes_back(s3_env: S3Endpoint) -> None:
    store = S3ObjectStore("tq-outage", "objects")
    store.ensure_bucket()
    s3_env.stop()
    try:
        with pytest.raises(ObjectStoreError, match="cannot reach"):
            store.put("a/key", b"x")
    finally:
        s3_env.start()
    store.ensure_bucket()  # moto keeps buckets in memory: a restart starts empty
    store.put("a/key", b"x")
    assert store.get("a/key") == b"x"


# --- folder only: atomicity and permissions ----------------------------------------------------

BIG = 50 * 1024 * 1024
CHILD_WRITER = """
import sys
from pathlib import Path
from storage.objects.local import LocalObjectStore
root, key, fill, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = bytes([fill]) * size
print("ready", flush=True)
LocalObjectStore(Path(root)).put(key, data)
"""


def _digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _temp_files(root: Path) -> dict[Path, int]:
    sizes: dict[Path, int] = {}
    for path in (root / ".tmp").glob("*"):
        try:
            sizes[path] = path.stat().st_size
        except FileNotFoundError:
            continue  # renamed onto its key meanwhile
    return sizes


def _write_and_kill(root: Path, key: str, fill: int, kill_at_size: int) -> None:
    """Run a child putting BIG bytes; SIGKILL it once its temp file holds kill_at_size bytes."""
    before = set(_temp_files(root))
    command = [sys.executable, "-c", CHILD_WRITER, str(root), key, str(fill), str(BIG)]
    with subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE) as child:
        try:
            assert child.stdout is not None and child.stdout.readline() == b"ready\n"
            deadline = time.monotonic() + 60
            while child.poll() is None and time.monotonic() < deadline:
                new = [size for path, size in _temp_files(root).items() if path not in before]
                if new and new[0] >= kill_at_size:
                    os.kill(child.pid, signal.SIGKILL)
                    break
        finally:
            child.kill()


def test_put_is_atomic_when_the_writer_is_killed(tmp_path: Path) -> None:
    root, key = tmp_path / "objects", f"{subject_prefix(ALICE)}screenshots/big.tqe"
    store = LocalObjectStore(root)
    current: str | None = None  # digest of what readers must see: absent at first
    for attempt, kill_at in enumerate([0, 1, 8 << 20, 24 << 20, 40 << 20, 1 << 20]):
        if attempt == 1 and current is None:
            store.put(key, b"complete old content")
            current = _digest(b"complete old content")
        _write_and_kill(root, key, fill=attempt + 1, kill_at_size=kill_at)
        seen = _digest(store.get(key)) if store.exists(key) else None
        new = _digest(bytes([attempt + 1]) * BIG)
        assert seen in (current, new), f"attempt {attempt}: torn or foreign object"
        current = seen
        assert list(store.list_keys()) == ([key] if seen else [])
    leftovers = _temp_files(root)
    assert sum(0 < size < BIG for size in leftovers.values()) >= 3, "kills missed the write"
    assert store.clean_temp(older_than=0) == len(leftovers)
    assert _temp_files(root) == {}


def test_stale_temp_files_are_never_listed(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    store.put("a/key", b"x")
    (tmp_path / "objects" / ".tmp" / "put-crashed.part").write_bytes(b"half")
    (tmp_path / "objects" / "a" / "not a key").write_bytes(b"stray")
    assert list(store.list_keys()) == ["a/key"]
    assert [v.key for v in store.list_versions()] == ["a/key"]
    assert store.purge("a/") == 1


def test_unwritable_root_names_the_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "regular-file"
    blocker.write_bytes(b"")
    root = blocker / "objects"  # tests run as root, so chmod cannot make a folder unwritable
    store = LocalObjectStore(root)
    with pytest.raises(ObjectStoreError, match=str(root)):
        store.put("a/key", b"x")
    with pytest.raises(ObjectStoreError, match="not writable"):
        store.check_writable()
    assert list(store.list_keys()) == []


def test_local_store_creates_its_root_on_first_write(tmp_path: Path) -> None:
    root = tmp_path / "deep" / "objects"
    store = LocalObjectStore(root)
    assert not root.exists()
    assert store.put("a/key", b"x") is None
    assert (root / "a" / "key").read_bytes() == b"x"
