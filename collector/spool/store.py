"""The spool database: minute rows, spans and screenshot entries waiting for a sink.

One SQLite file in WAL mode with ``synchronous=FULL``: every ``write`` is one committed,
fsynced transaction, so ``kill -9`` loses at most what was not yet written (the caller
batches writes every few seconds) and never half a batch.

Rows carry a revision. ``write`` bumps it whenever a row changes; the uploader sends
rows whose revision is ahead of ``sent_rev`` and, once the sink confirmed, records the
revision it sent. A row changed meanwhile simply stays pending. Rows leave the spool
only when sent in their final state:

- minute rows hold the full minute as this device saw it (deltas are added up here, even
  across runs after a crash), so a sink can replace what it has; a minute row is final
  when its run closed it and the clock has left the minute (no later run can add to it);
- spans are keyed by start and replaced on every change (an extended or idle-cut span is
  re-sent under the same key); a span is final once closed;
- screenshots are immutable: an entry and its sealed file go when confirmed.

A batch the sink refused for good (a request it will never accept, however often sent) is
set aside, not retried for ever: its rows are copied to the ``rejected_*`` tables and marked
sent in the same transaction (a screenshot's entry moves there and its file to
``rejected/``), so later batches flow and nothing captured is silently lost. ``traq spool
retry`` puts them back in the queue once the cause is fixed (``collector.spool.rejected``).

Screenshots from the capture thread are staged (a temp file, no fsync) and made durable
by the next ``write``: files fsynced and renamed, then listed in that write's transaction.
The spool never lists a file before it is complete and on disk, and a screenshot pays no
commit of its own (issue 3: the fsyncs ate much of the pipeline's 60 ms budget).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from activity.records import PendingMinute, PendingSpan
from collector.errors import SpoolCorrupt, SpoolUnwritable
from collector.pipeline.sessionizer import MinuteRow
from collector.spool.files import ScreenshotFiles, ScreenshotName
from collector.spool.records import PendingScreenshot, SealedSpan, SpoolCounts
from collector.spool.rejected import (
    SetAsideGroup,
    copy_rejected,
    count_rejected,
    forget_superseded,
    requeue_rows,
    summarise,
)
from collector.spool.schema import ADD_MINUTE, PUT_SPAN, SCHEMA, expected_schema, schema_of

SPOOL_FILE = "spool.db"
SCREENSHOT_FOLDER = "screenshots"
REJECTED_FOLDER = "rejected"


class Spool:
    """One connection to the spool in ``folder``; use one instance per thread."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder = folder
        self.files = ScreenshotFiles(folder / SCREENSHOT_FOLDER)
        path = folder / SPOOL_FILE
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        os.chmod(path, 0o600)
        # A damaged byte in an app name must not make its rows unreadable: decode leniently.
        self._db.text_factory = lambda raw: raw.decode("utf-8", "replace")
        try:
            with _readable(path):
                self._db.execute("PRAGMA busy_timeout=10000")
                # Uploaded rows are deleted: zero their bytes rather than leave them in free pages.
                self._db.execute("PRAGMA secure_delete=ON")
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.executescript(SCHEMA)
        except (SpoolCorrupt, SpoolUnwritable):
            self._db.close()
            raise
        self._unlisted: list[ScreenshotName] = []

    def close(self) -> None:
        """Close the connection; staged screenshots never written are deleted."""
        self.files.discard_staged()
        self._db.close()

    def write(
        self,
        person_id: int,
        device_id: int,
        minutes: Sequence[MinuteRow],
        spans: Sequence[SealedSpan],
    ) -> None:
        """Add minute deltas, replace spans and list staged screenshots, in one transaction."""
        self.sync_screenshots()
        if not minutes and not spans and not self._unlisted:
            return
        with self._transaction():
            for row in minutes:
                self._add_minute(person_id, device_id, row)
            self._db.executemany(PUT_SPAN, [_span_params(person_id, device_id, s) for s in spans])
            for name in self._unlisted:
                self._insert_screenshot(name)
        self._unlisted.clear()

    def _add_minute(self, person_id: int, device_id: int, row: MinuteRow) -> None:
        counts = (
            row.tracked_seconds,
            row.active_seconds,
            row.key_presses,
            row.mouse_clicks,
            row.mouse_moves,
            row.scrolls,
        )
        key = (person_id, device_id, row.minute)
        if any(counts):
            self._db.execute(ADD_MINUTE, (*key, *counts, int(row.closed)))
        elif row.closed:  # nothing new: only record that the run left this minute
            self._db.execute(
                "UPDATE minutes SET closed = 1 WHERE person_id = ? AND device_id = ? "
                "AND minute = ?",
                key,
            )

    def add_screenshot(self, name: ScreenshotName, envelope: bytes) -> None:
        """Store a sealed screenshot now: the file atomically first, then its entry."""
        self.files.write(name, envelope)
        with self._transaction():
            self._insert_screenshot(name)

    def stage_screenshot(self, name: ScreenshotName, envelope: bytes) -> None:
        """Write a sealed screenshot to a temp file; the next ``write`` makes it durable."""
        self.files.stage(name, envelope)

    def sync_screenshots(self) -> int:
        """Fsync and rename the staged files; return how many (``write`` lists them)."""
        names = self.files.commit_staged()
        self._unlisted.extend(names)
        return len(names)

    def _insert_screenshot(self, name: ScreenshotName) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO screenshots VALUES (?, ?, ?, ?, ?, ?)",
            (
                name.person_id,
                name.device_id,
                name.taken_at,
                name.width,
                name.height,
                int(name.blurred),
            ),
        )

    def pending_minutes(self, limit: int) -> list[PendingMinute]:
        """Up to ``limit`` minute rows not yet confirmed in their current state."""
        rows = self._db.execute(
            "SELECT person_id, device_id, minute, active_seconds, key_presses, mouse_clicks, "
            "mouse_moves, scrolls, rev FROM minutes WHERE rev > sent_rev "
            "ORDER BY minute LIMIT ?",
            (limit,),
        )
        return [PendingMinute(*row) for row in rows]

    def pending_spans(self, limit: int) -> list[PendingSpan]:
        """Up to ``limit`` spans not yet confirmed in their current state."""
        rows = self._db.execute(
            "SELECT person_id, device_id, start_ts, end_ts, app, site, title_ct, rev "
            "FROM spans WHERE rev > sent_rev ORDER BY start_ts LIMIT ?",
            (limit,),
        )
        return [PendingSpan(*row) for row in rows]

    def pending_screenshots(self, limit: int) -> list[PendingScreenshot]:
        """Up to ``limit`` screenshots waiting for upload, oldest first."""
        rows = self._db.execute(
            "SELECT person_id, device_id, taken_at, width, height, blurred FROM screenshots "
            "ORDER BY taken_at LIMIT ?",
            (limit,),
        )
        return [ScreenshotName(p, d, t, w, h, bool(b)) for p, d, t, w, h, b in rows]

    def confirm_minutes(self, sent: Sequence[PendingMinute], now: float) -> None:
        """Record what the sink confirmed; drop rows that are sent and final at ``now``."""
        with self._transaction():
            self._mark_minutes_sent(sent, now)
            forget_superseded(
                self._db, "minutes", [(m.person_id, m.device_id, m.minute) for m in sent]
            )

    def confirm_spans(self, sent: Sequence[PendingSpan]) -> None:
        """Record what the sink confirmed; drop spans sent in their closed state."""
        with self._transaction():
            self._mark_spans_sent(sent)
            forget_superseded(
                self._db, "spans", [(s.person_id, s.device_id, s.start_ts) for s in sent]
            )

    def set_aside_minutes(
        self, sent: Sequence[PendingMinute], status: int, reason: str, now: float
    ) -> None:
        """Keep a refused batch of minute rows in ``rejected_minutes``; it is no longer pending."""
        keys = [(m.person_id, m.device_id, m.minute) for m in sent]
        with self._transaction():
            copy_rejected(self._db, "minutes", keys, status, reason, now)
            self._mark_minutes_sent(sent, now)

    def set_aside_spans(
        self, sent: Sequence[PendingSpan], status: int, reason: str, now: float
    ) -> None:
        """Keep a refused batch of spans in ``rejected_spans``; it is no longer pending."""
        keys = [(s.person_id, s.device_id, s.start_ts) for s in sent]
        with self._transaction():
            copy_rejected(self._db, "spans", keys, status, reason, now)
            self._mark_spans_sent(sent)

    def _mark_minutes_sent(self, sent: Sequence[PendingMinute], now: float) -> None:
        self._db.executemany(
            "UPDATE minutes SET sent_rev = ? WHERE person_id = ? AND device_id = ? "
            "AND minute = ? AND sent_rev < ?",
            [(m.rev, m.person_id, m.device_id, m.minute, m.rev) for m in sent],
        )
        self._db.execute(
            "DELETE FROM minutes WHERE sent_rev = rev AND closed = 1 AND minute + 60 <= ?",
            (int(now),),
        )

    def _mark_spans_sent(self, sent: Sequence[PendingSpan]) -> None:
        self._db.executemany(
            "UPDATE spans SET sent_rev = ? WHERE person_id = ? AND device_id = ? "
            "AND start_ts = ? AND sent_rev < ?",
            [(s.rev, s.person_id, s.device_id, s.start_ts, s.rev) for s in sent],
        )
        self._db.execute("DELETE FROM spans WHERE sent_rev = rev AND closed = 1")

    def confirm_screenshot(self, name: ScreenshotName) -> None:
        """Forget a screenshot the sink stored: its file, then its entry."""
        self.files.delete(name)
        key = (name.person_id, name.device_id, name.taken_at)
        with self._transaction():
            self._db.execute(
                "DELETE FROM screenshots WHERE person_id = ? AND device_id = ? AND taken_at = ?",
                key,
            )
            forget_superseded(self._db, "screenshots", [key])

    def set_aside_screenshot(
        self, name: ScreenshotName, status: int, reason: str, now: float
    ) -> None:
        """Keep a refused screenshot: the entry in ``rejected_screenshots``, the file in rejected/.

        A crash between the two leaves the file in place: recovery lists it again, and it is
        refused and set aside again.
        """
        key = [(name.person_id, name.device_id, name.taken_at)]
        with self._transaction():
            copy_rejected(self._db, "screenshots", key, status, reason, now)
            self._db.execute(
                "DELETE FROM screenshots WHERE person_id = ? AND device_id = ? AND taken_at = ?",
                key[0],
            )
        self.files.move(name, self.folder / REJECTED_FOLDER)

    def rejected(self) -> int:
        """How many minute rows, spans and screenshots were set aside as refused."""
        return count_rejected(self._db)

    def set_aside(self) -> list[SetAsideGroup]:
        """The set-aside items, grouped by kind and refusal."""
        return summarise(self._db)

    def requeue(self) -> SpoolCounts:
        """Put every set-aside item back in the upload queue; return how many of each.

        Screenshot files move back from ``rejected/`` first, then their entries are listed in
        the same transaction as the rows: a crash between leaves files that ``recover`` lists
        and copies that the next ``requeue`` finds again. A screenshot whose file is gone from
        both folders (already sent after such a crash) only loses its copy.
        """
        shots = [
            ScreenshotName(p, d, t, w, h, bool(b))
            for p, d, t, w, h, b in self._db.execute(
                "SELECT person_id, device_id, taken_at, width, height, blurred "
                "FROM rejected_screenshots"
            ).fetchall()
        ]
        if shots:  # (opening the folder creates it)
            back = ScreenshotFiles(self.folder / REJECTED_FOLDER)
            for name in shots:
                back.move(name, self.files.folder)
        with self._transaction():
            minutes = requeue_rows(self._db, "minutes")
            spans = requeue_rows(self._db, "spans")
            listed = 0
            for name in shots:
                if (self.files.folder / name.file_name).exists():
                    self._insert_screenshot(name)
                    listed += 1
            self._db.execute("DELETE FROM rejected_screenshots")
        return SpoolCounts(minutes, spans, listed)

    def counts(self) -> SpoolCounts:
        """How many items wait for a sink."""
        minutes, spans, shots = self._db.execute(
            "SELECT (SELECT count(*) FROM minutes WHERE rev > sent_rev), "
            "(SELECT count(*) FROM spans WHERE rev > sent_rev), "
            "(SELECT count(*) FROM screenshots)"
        ).fetchone()
        return SpoolCounts(int(minutes), int(spans), int(shots))

    def recover(self) -> None:
        """Tidy up after an earlier run, dead or stopped; call before capturing.

        That run will add nothing more, so its minutes and spans are closed; torn temp
        files go; a screenshot file whose entry was never committed is entered again; an
        entry whose file is gone (deleted after upload) is dropped.
        """
        with _readable(self.folder / SPOOL_FILE):
            # Damage found now stops the start with one clear line, not a run later.
            if self._db.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                raise sqlite3.DatabaseError("its integrity check failed")
            if schema_of(self._db) != expected_schema():
                raise sqlite3.DatabaseError("its schema is not the spool's")
            self._recover()

    def _recover(self) -> None:
        names = self.files.recover()
        on_disk = {(n.person_id, n.device_id, n.taken_at) for n in names}
        with self._transaction():
            self._db.execute("UPDATE minutes SET closed = 1 WHERE closed = 0")
            self._db.execute("UPDATE spans SET closed = 1 WHERE closed = 0")
            self._db.execute("DELETE FROM spans WHERE sent_rev = rev AND closed = 1")
            for name in names:
                self._insert_screenshot(name)
            for key in self._db.execute(
                "SELECT person_id, device_id, taken_at FROM screenshots"
            ).fetchall():
                if tuple(key) not in on_disk:
                    self._db.execute(
                        "DELETE FROM screenshots WHERE person_id = ? AND device_id = ? "
                        "AND taken_at = ?",
                        key,
                    )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


def _span_params(person_id: int, device_id: int, span: SealedSpan) -> tuple[object, ...]:
    return (
        person_id,
        device_id,
        span.start_ts,
        span.end_ts,
        span.app,
        span.site,
        span.title_ct,
        int(span.closed),
    )


# A full disk surfaces as SQLITE_FULL, or as an I/O error when the WAL index (-shm) cannot
# grow: neither says anything about the file's content, which must not be called damaged.
_DISK_ERRORS = ("SQLITE_FULL", "SQLITE_IOERR")


@contextmanager
def _readable(path: Path) -> Iterator[None]:
    """Translate SQLite's errors about the spool file into one clear SpoolCorrupt.

    A disk that refuses writes is SpoolUnwritable instead: moving the spool aside, as the
    advice for a damaged file says, would throw away what it holds.
    """
    try:
        yield
    # UnicodeDecodeError: SQLite's message quotes a damaged schema that is no longer UTF-8.
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        text = "damaged schema" if isinstance(exc, UnicodeDecodeError) else str(exc).strip()
        reason = (text.splitlines() or [type(exc).__name__])[0]
        if str(getattr(exc, "sqlite_errorname", "")).startswith(_DISK_ERRORS):
            raise SpoolUnwritable(
                f"cannot write the spool database {path} ({reason}); is its disk full? "
                "free some space and start again (the spool is kept)"
            ) from exc
        raise SpoolCorrupt(
            f"cannot read the spool database {path} ({reason}); if it is damaged, "
            "move it aside to start a new spool (what it held is lost)"
        ) from exc


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
