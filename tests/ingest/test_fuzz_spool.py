"""The device side of ingestion on damaged files: a clear CollectorError or a recovery.

A laptop's spool survives crashes, full disks and bad sectors: whatever bytes end up in a
screenshot's file name, in ``device.json`` or in ``spool.db``, starting the collector either
recovers or stops with one clear line (a ``CollectorError``), never another exception.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.errors import CollectorError
from collector.pipeline.sessionizer import MinuteRow
from collector.spool import ScreenshotName, SealedSpan, Spool
from collector.spool.device import DEVICE_FILE, DeviceIdentity, load_identity, save_identity
from collector.spool.store import SPOOL_FILE
from storage.crypto import Sealer

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
T0 = 1_767_225_600
IDENTITY = DeviceIdentity("s_0123456789abcdef", 1, 2, "k1", bytes(range(32)), "UTC")
names = st.builds(
    ScreenshotName,
    st.integers(0, 2**31),
    st.integers(0, 2**31),
    st.integers(0, 2**40),
    st.integers(0, 65535),
    st.integers(0, 65535),
    st.booleans(),
)


def file_names() -> st.SearchStrategy[str]:
    """Any text, and real names with a character or a field changed."""
    changed = st.builds(
        lambda name, at, junk: name.file_name[:at] + junk + name.file_name[at + 1 :],
        names,
        st.integers(0, 40),
        st.text(max_size=3) | st.sampled_from(["٣", "9" * 30, "-", "x", ""]),
    )
    return st.text(max_size=80) | changed


@given(name=names)
def test_screenshot_names_round_trip(name: ScreenshotName) -> None:
    assert ScreenshotName.parse(name.file_name) == name


@settings(max_examples=300)
@given(text=file_names())
def test_any_file_name_parses_to_none_or_a_name_that_writes_back_the_same(text: str) -> None:
    name = ScreenshotName.parse(text)
    if name is not None:
        # Only the name's own spelling: a file it cannot find again would never be sent.
        assert name.file_name == text
        assert max(name.person_id, name.device_id, name.taken_at) < 2**63  # fits SQLite


@pytest.fixture(scope="module")
def spool_copy() -> Iterator[Path]:
    """A spool with minute rows, spans and screenshots, written once and copied per example."""
    folder = Path(tempfile.mkdtemp(prefix="spool-fuzz-")) / "spool"
    spool = Spool(folder)
    sealer = Sealer(bytes(range(1, 33)), "k1")
    rows = [MinuteRow(T0 + 60 * i, 60, 30, i, 1, 50, 0, closed=True) for i in range(40)]
    spans = [
        SealedSpan(T0 + 60 * i, T0 + 60 * i + 50, "App", None, b"x" * 90, True) for i in range(40)
    ]
    spool.write(1, 2, rows, spans)
    for i in range(3):
        spool.add_screenshot(ScreenshotName(1, 2, T0 + i, 8, 8, False), sealer.seal("o", b"jpg"))
    spool.close()
    save_identity(folder, IDENTITY)
    yield folder
    shutil.rmtree(folder.parent)


def damaged(source: Path, target: Path, writes: list[tuple[int, bytes]]) -> Path:
    """A copy of the spool folder with ``writes`` (offset, bytes) over its ``spool.db``."""
    shutil.copytree(source, target)
    db = target / SPOOL_FILE
    size = db.stat().st_size
    with db.open("r+b") as handle:
        for offset, junk in writes:
            handle.seek(offset % size)
            handle.write(junk)
    return target


def start_and_read(folder: Path) -> None:
    """What a collector does with its spool at start, then what its uploader reads."""
    spool = Spool(folder)
    try:
        spool.recover()
        spool.pending_minutes(1000), spool.pending_spans(1000), spool.pending_screenshots(1000)
        spool.counts(), spool.rejected()
    finally:
        spool.close()


@FUZZ
@given(
    writes=st.lists(
        st.tuples(st.integers(0, 2**20), st.binary(min_size=1, max_size=64)), min_size=1, max_size=8
    )
)
def test_a_spool_db_with_random_bytes_overwritten_recovers_or_says_so(
    spool_copy: Path, tmp_path: Path, writes: list[tuple[int, bytes]]
) -> None:
    folder = damaged(spool_copy, Path(tempfile.mkdtemp(dir=tmp_path)) / "spool", writes)
    try:
        start_and_read(folder)
    except CollectorError as exc:
        message = str(exc)
        assert "\n" not in message and SPOOL_FILE in message, message


@FUZZ
@given(content=st.binary(max_size=600) | st.builds(str.encode, st.text(max_size=300)))
def test_device_json_of_any_bytes_loads_or_says_so(tmp_path: Path, content: bytes) -> None:
    (tmp_path / DEVICE_FILE).write_bytes(content)
    try:
        identity = load_identity(tmp_path)
    except CollectorError as exc:
        assert "\n" not in str(exc) and DEVICE_FILE in str(exc)
        return
    assert identity is not None and isinstance(identity.device_id, int)


@FUZZ
@given(
    field=st.sampled_from(list(IDENTITY.__dataclass_fields__)),
    value=st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.lists(st.none()),
)
def test_device_json_with_a_field_of_the_wrong_kind_is_refused(
    tmp_path: Path, field: str, value: object
) -> None:
    import json

    data = json.loads(IDENTITY.to_json())
    data[field] = value
    (tmp_path / DEVICE_FILE).write_text(json.dumps(data), encoding="utf-8")
    try:
        identity = load_identity(tmp_path)
    except CollectorError:
        return
    assert identity is not None
    for name, kind in (("pseudonym", str), ("person_id", int), ("device_id", int)):
        assert isinstance(getattr(identity, name), kind)
    assert isinstance(identity.public_key, bytes) and isinstance(identity.policies, dict)
