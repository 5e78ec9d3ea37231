"""The spool: additive minutes, replaced spans, atomic screenshot files, crash recovery, lock."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from collector.errors import SpoolBusy
from collector.pipeline.sessionizer import MinuteRow
from collector.spool import ScreenshotName, SealedSpan, Spool
from collector.spool.device import SpoolLock
from storage.crypto.envelope import seal

T0 = 1_767_225_600
PUBLIC = bytes(range(1, 33))  # any 32 bytes are an X25519 public key
NAME = ScreenshotName(1, 2, T0 + 5, 1280, 720, False)


def envelope(size: int = 100) -> bytes:
    return seal(PUBLIC, "k1", "subjects/x", os.urandom(size))


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    return Spool(tmp_path / "spool")


def minute(offset: int, tracked: int, active: int, keys: int, closed: bool = False) -> MinuteRow:
    return MinuteRow(T0 + offset, tracked, active, keys, 0, 0, 0, closed)


def span(start: int, end: int, app: str = "code", closed: bool = False) -> SealedSpan:
    return SealedSpan(T0 + start, T0 + end, app, None, b"sealed", closed)


def test_the_spool_is_private_and_in_wal_mode(spool: Spool) -> None:
    assert stat.S_IMODE(spool.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((spool.folder / "spool.db").stat().st_mode) == 0o600
    db = sqlite3.connect(spool.folder / "spool.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_minute_deltas_add_up_and_stay_pending_until_confirmed(spool: Spool) -> None:
    spool.write(1, 2, [minute(0, 10, 4, 7)], [])
    spool.write(1, 2, [minute(0, 5, 5, 3)], [])
    [row] = spool.pending_minutes(10)
    assert (row.active_seconds, row.key_presses, row.rev) == (9, 10, 2)
    spool.confirm_minutes([row], now=T0 + 30)
    assert spool.counts().minutes == 0
    spool.write(1, 2, [minute(0, 1, 1, 1)], [])  # the same minute goes on: sent again, whole
    [again] = spool.pending_minutes(10)
    assert (again.active_seconds, again.key_presses) == (10, 11)


def test_a_minute_leaves_only_when_sent_closed_and_past(spool: Spool) -> None:
    spool.write(1, 2, [minute(0, 10, 4, 7)], [])
    spool.confirm_minutes(spool.pending_minutes(10), now=T0 + 120)
    assert _rows(spool, "minutes") == 1  # the run may still add to it: not closed
    spool.write(1, 2, [minute(0, 0, 0, 0, closed=True)], [])
    assert spool.counts().minutes == 0  # closing alone changes nothing to send
    spool.confirm_minutes([], now=T0 + 59)
    assert _rows(spool, "minutes") == 1  # a later run in the same minute could add to it
    spool.confirm_minutes([], now=T0 + 60)
    assert _rows(spool, "minutes") == 0


def test_a_changed_row_stays_pending_when_an_older_revision_is_confirmed(spool: Spool) -> None:
    spool.write(1, 2, [minute(0, 10, 4, 7)], [])
    sent = spool.pending_minutes(10)
    spool.write(1, 2, [minute(0, 1, 1, 1, closed=True)], [])
    spool.confirm_minutes(sent, now=T0 + 600)
    assert [m.key_presses for m in spool.pending_minutes(10)] == [8]


def test_minutes_never_exceed_sixty_seconds(spool: Spool) -> None:
    spool.write(1, 2, [minute(0, 50, 50, 1)], [])
    spool.write(1, 2, [minute(0, 50, 50, 1)], [])
    assert spool.pending_minutes(1)[0].active_seconds == 60


def test_spans_are_replaced_by_start_and_unchanged_ones_are_not_resent(spool: Spool) -> None:
    spool.write(1, 2, [], [span(0, 10)])
    spool.confirm_spans(spool.pending_spans(10))
    spool.write(1, 2, [], [span(0, 10)])  # nothing new
    assert spool.counts().spans == 0
    spool.write(1, 2, [], [span(0, 25)])
    [extended] = spool.pending_spans(10)
    assert extended.end_ts == T0 + 25
    spool.write(1, 2, [], [span(0, 25, app="(idle)", closed=True)])
    [idle] = spool.pending_spans(10)
    assert idle.app == "(idle)" and idle.rev == extended.rev + 1
    spool.confirm_spans([idle])
    assert _rows(spool, "spans") == 0


def test_recovery_closes_what_a_dead_run_left_open(spool: Spool) -> None:
    spool.write(1, 2, [minute(0, 10, 4, 7)], [span(0, 10)])
    spool.confirm_spans(spool.pending_spans(10))
    spool.recover()
    assert _rows(spool, "spans") == 0  # sent, and now known closed
    spool.confirm_minutes(spool.pending_minutes(10), now=T0 + 60)
    assert _rows(spool, "minutes") == 0


def test_screenshots_are_written_atomically_and_confirmed_away(spool: Spool) -> None:
    data = envelope()
    spool.add_screenshot(NAME, data)
    assert [p.name for p in spool.files.folder.iterdir()] == [NAME.file_name]
    assert spool.pending_screenshots(10) == [NAME]
    assert spool.files.read(NAME) == data
    spool.confirm_screenshot(NAME)
    assert spool.pending_screenshots(10) == [] and not any(spool.files.folder.iterdir())


def test_recovery_drops_torn_and_unreadable_files_and_adopts_complete_ones(
    spool: Spool,
) -> None:
    folder = spool.files.folder
    (folder / ".shot-abc.part").write_bytes(envelope()[:40])  # torn by kill -9
    complete = ScreenshotName(1, 2, T0 + 9, 640, 360, True)
    (folder / complete.file_name).write_bytes(envelope())  # renamed, entry not committed
    truncated = ScreenshotName(1, 2, T0 + 10, 640, 360, False)
    (folder / truncated.file_name).write_bytes(envelope()[:60])
    (folder / "stray.txt").write_text("not ours")
    spool.add_screenshot(NAME, envelope())
    (folder / NAME.file_name).unlink()  # confirmed file gone, entry left behind
    spool.recover()
    assert sorted(p.name for p in folder.iterdir()) == [complete.file_name]
    assert spool.pending_screenshots(10) == [complete]


def test_screenshot_names_round_trip() -> None:
    assert ScreenshotName.parse(NAME.file_name) == NAME
    assert ScreenshotName.parse("p1-d2-t3.tqe") is None


def test_a_staged_screenshot_is_listed_only_once_durable_by_the_next_write(spool: Spool) -> None:
    data = envelope()
    spool.stage_screenshot(NAME, data)
    folder = spool.files.folder
    [temp] = list(folder.iterdir())
    assert temp.name.endswith(".part") and temp.read_bytes() == data  # not under its name
    assert spool.pending_screenshots(10) == []
    assert spool.sync_screenshots() == 1
    assert [p.name for p in folder.iterdir()] == [NAME.file_name]
    assert spool.pending_screenshots(10) == []  # durable, but listed by the write
    spool.write(1, 2, [], [])
    assert spool.pending_screenshots(10) == [NAME] and spool.files.read(NAME) == data


def test_a_write_syncs_and_lists_staged_screenshots_with_its_rows(spool: Spool) -> None:
    later = ScreenshotName(1, 2, T0 + 15, 960, 540, True)
    spool.stage_screenshot(NAME, envelope())
    spool.stage_screenshot(later, envelope())
    spool.write(1, 2, [minute(0, 10, 4, 7)], [])
    assert spool.pending_screenshots(10) == [NAME, later]
    assert sorted(p.name for p in spool.files.folder.iterdir()) == sorted(
        [NAME.file_name, later.file_name]
    )
    assert spool.sync_screenshots() == 0


def test_a_screenshot_staged_when_the_process_dies_is_dropped_at_recovery(
    tmp_path: Path,
) -> None:
    dead = Spool(tmp_path / "spool")
    dead.stage_screenshot(NAME, envelope())  # then kill -9: no write, no close
    after = Spool(tmp_path / "spool")
    after.recover()
    assert after.pending_screenshots(10) == [] and not any(after.files.folder.iterdir())
    dead.close()
    after.close()


def test_closing_deletes_staged_screenshots_never_written(spool: Spool) -> None:
    spool.stage_screenshot(NAME, envelope())
    spool.close()
    assert not any(spool.files.folder.iterdir())


def test_one_collector_per_spool_and_a_killed_one_frees_it(tmp_path: Path) -> None:
    folder = tmp_path / "spool"
    lock = SpoolLock(folder)
    with pytest.raises(SpoolBusy, match="another collector is running on"):
        SpoolLock(folder)
    lock.release()
    SpoolLock(folder).release()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with pytest.raises(SpoolBusy):
        SpoolLock(folder)
    holder.kill()  # SIGKILL: no clean release, the kernel drops the lock
    holder.wait(timeout=30)
    SpoolLock(folder).release()


_HOLD_LOCK = (
    "import sys, time, pathlib\n"
    "from collector.spool.device import SpoolLock\n"
    "lock = SpoolLock(pathlib.Path(sys.argv[1]))\n"
    "print('locked', flush=True)\n"
    "time.sleep(120)\n"
)


def _rows(spool: Spool, table: str) -> int:
    db = sqlite3.connect(spool.folder / "spool.db")
    try:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        db.close()
