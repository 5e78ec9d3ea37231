"""`traq spool status|retry`: items the service refused are listed, queued again and arrive."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.pipeline.sessionizer import MinuteRow
from collector.pipeline.uploader import Uploader
from collector.sinks.https import HttpsSink
from collector.spool import ScreenshotName, SealedSpan, Spool, SpoolCounts
from ingest.app import IngestConfig
from storage.crypto.envelope import Sealer
from storage.db import schema
from tests.ingest.conftest import Rig, _rig
from tests.ingest.rows import START
from tests.ingest.service import running
from tests.traq.cli import assert_one_line_error, traq

LIMIT = 600  # bytes: room for enrolment, not for a batch of ten minute rows
LATER = START + 3600


@pytest.fixture
def tight_rig(tmp_path: Path) -> Iterator[Rig]:
    """The service over SQLite with a request body limit too small for real batches."""
    yield from _rig(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}", None, max_body=LIMIT)


def _env(tmp_path: Path) -> dict[str, str]:
    return {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_SPOOL_DIR": str(tmp_path / "spool")}


def _minutes(count: int) -> list[MinuteRow]:
    return [MinuteRow(START + 60 * i, 60, 30, 5, 1, 9, 0, closed=True) for i in range(count)]


def test_a_batch_refused_for_a_limit_arrives_after_the_fix_and_a_retry(
    tight_rig: Rig, tmp_path: Path
) -> None:
    sink = tight_rig.enrolled_sink()
    device = sink.enrolled
    spool = Spool(tmp_path / "spool")
    spool.write(device.person_id, device.device_id, _minutes(10), [])
    Uploader(spool, sink, {device.person_id: device.pseudonym}).drain(lambda: LATER)
    assert spool.rejected() == 10 and spool.counts().total == 0
    assert tight_rig.count(schema.activity_minutes) == 0

    status = traq("spool", "status", env=_env(tmp_path))
    assert status.returncode == 0, status.stderr
    assert "waiting for upload: 0 minute rows, 0 spans, 0 screenshots" in status.stdout
    assert "set aside: 10 minute rows, refused (413)" in status.stdout
    assert f"request body over {LIMIT} bytes" in status.stdout
    assert "`traq spool retry`" in status.stdout

    # The operator raises the limit (a service restarted with its defaults), then retries.
    with running(IngestConfig(tight_rig.install.settings)) as url:
        retry = traq("spool", "retry", "--json", env=_env(tmp_path))
        assert retry.returncode == 0, retry.stderr
        assert json.loads(retry.stdout) == {"queued": {"minutes": 10, "spans": 0, "screenshots": 0}}
        assert spool.counts() == SpoolCounts(10, 0, 0) and spool.rejected() == 0
        fixed = HttpsSink(dataclasses.replace(device, url=url))
        assert (
            Uploader(spool, fixed, {device.person_id: device.pseudonym}).drain(lambda: LATER) == 10
        )
    assert tight_rig.count(schema.activity_minutes) == 10
    assert spool.counts().total == 0 and spool.rejected() == 0
    after = json.loads(traq("spool", "status", "--json", env=_env(tmp_path)).stdout)
    assert after == {"pending": {"minutes": 0, "spans": 0, "screenshots": 0}, "set_aside": []}


def test_a_copy_superseded_by_an_accepted_state_is_never_sent_again(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.write(
        1,
        1,
        [MinuteRow(START, 30, 10, 3, 0, 0, 0)],
        [SealedSpan(START, START + 30, "A", None, None, False)],
    )
    spool.set_aside_minutes(spool.pending_minutes(10), 413, "too large", START + 30)
    spool.set_aside_spans(spool.pending_spans(10), 413, "too large", START + 30)
    assert spool.rejected() == 2
    # The rest of the minute and the span's end arrive and are accepted in full.
    spool.write(
        1,
        1,
        [MinuteRow(START, 30, 20, 4, 0, 0, 0, closed=True)],
        [SealedSpan(START, START + 60, "A", None, None, True)],
    )
    (minute,) = spool.pending_minutes(10)
    assert (minute.active_seconds, minute.key_presses) == (30, 7)
    spool.confirm_minutes([minute], START + 120)
    spool.confirm_spans(spool.pending_spans(10))
    assert spool.rejected() == 0  # the partial copies would replace the full minute and span
    assert spool.requeue() == SpoolCounts(0, 0, 0) and spool.counts().total == 0


def test_a_row_still_in_the_spool_is_queued_again_in_its_newest_state(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.write(1, 1, [MinuteRow(START, 60, 40, 8, 2, 0, 0)], [])  # open: stays in the spool
    spool.set_aside_minutes(spool.pending_minutes(10), 400, "refused", START + 30)
    spool.write(1, 1, _minutes(2)[1:], [])  # a later, final minute is gone once confirmed
    spool.set_aside_minutes(spool.pending_minutes(10), 400, "refused", LATER)
    assert spool.counts().total == 0 and spool.rejected() == 2
    assert spool.requeue() == SpoolCounts(2, 0, 0)
    rows = {m.minute: (m.active_seconds, m.key_presses) for m in spool.pending_minutes(10)}
    assert rows == {START: (40, 8), START + 60: (30, 5)}
    spool.confirm_minutes(spool.pending_minutes(10), LATER)
    assert spool.counts().total == 0 and spool.rejected() == 0


def test_a_screenshot_refused_again_goes_back_aside_with_its_file(
    tight_rig: Rig, tmp_path: Path
) -> None:
    sink = tight_rig.enrolled_sink()
    device = sink.enrolled
    state = sink.subject_state(None)
    sealer = Sealer(state.public_key.public_key, state.public_key.key_id)
    name = ScreenshotName(device.person_id, device.device_id, START, 8, 8, False)
    envelope = sealer.seal("sealed-for-another-key", bytes(100))
    spool = Spool(tmp_path / "spool")
    spool.add_screenshot(name, envelope)
    uploader = Uploader(spool, sink, {device.person_id: device.pseudonym})
    uploader.drain()
    aside = tmp_path / "spool" / "rejected" / name.file_name
    assert aside.read_bytes() == envelope and spool.counts().screenshots == 0

    assert spool.requeue() == SpoolCounts(0, 0, 1)
    assert not aside.exists() and spool.files.read(name) == envelope
    uploader.drain()  # still refused: set aside again, the file kept byte for byte
    assert aside.read_bytes() == envelope and spool.rejected() == 1
    assert tight_rig.count(schema.screenshots) == 0
    (group,) = spool.set_aside()
    assert (group.kind, group.count) == ("screenshots", 1)
    assert 400 <= group.status < 500 and group.reason


def test_spool_commands_without_a_spool_say_so_in_one_line(tmp_path: Path) -> None:
    for action in ("status", "retry"):
        result = traq("spool", action, env=_env(tmp_path))
        assert_one_line_error(result, "no spool in", "TRAQ_SPOOL_DIR")
        assert result.returncode == 1
    assert not (tmp_path / "spool").exists()  # looking created nothing


def test_a_damaged_spool_is_refused_in_one_line_and_left_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "spool"
    folder.mkdir()
    damaged = b"this is not a SQLite database" * 100
    (folder / "spool.db").write_bytes(damaged)
    result = traq("spool", "retry", env=_env(tmp_path))
    assert_one_line_error(result)
    assert (folder / "spool.db").read_bytes() == damaged
