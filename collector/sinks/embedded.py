"""The embedded sink: the collector's adapter onto storage's write path (``storage.writes``).

For the one-machine deployment. Minute rows and spans are upserted (``OnConflict.REPLACE``:
a later state of the same key replaces the earlier one) and the person's rollups refreshed
in the same transaction; screenshots go to the object store first, then their row, so a
row never points at a missing object and a retry finds the object already there. Rows of
a person who no longer exists (erased) are confirmed and dropped, never stored. Consent is
judged in the database server's time: each write measures this machine's clock against it
(``storage.db_clock``), so a laptop writing to a company PostgreSQL with a slow clock cannot
slip in what it captured after a withdrawal. This module
only opens the storage and translates its errors into the collector's.
"""

from __future__ import annotations

import platform as platform_module
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from activity.records import PendingMinute, PendingSpan, ScreenshotMeta
from collector.errors import SinkUnavailable, SubjectUnknown
from storage.config import Settings
from storage.crypto.envelope import read_header
from storage.db.engine import open_engine
from storage.db.migrate import ensure_current
from storage.db_clock import writer_skew
from storage.errors import (
    CaptureRefused,
    DatabaseError,
    ObjectStoreError,
    SchemaOutdated,
    UnknownSubject,
)
from storage.objects import open_object_store
from storage.writes import (
    OnConflict,
    SubjectState,
    add_device,
    device_seen,
    insert_screenshot,
    live_timezones,
    record_minutes,
    record_spans,
    screenshot_passes,
    subject_state,
)

SOURCE = "collector"  # how quarantined batches of this sink are labelled


class EmbeddedSink:
    """Database and object store of this installation, opened lazily from ``settings``."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self._engine = open_engine(settings.database_url)
        self._objects = open_object_store(settings.object_store_url)
        self._checked = False
        self._clock = clock  # the clock the collector stamps with (a parameter for tests)

    def close(self) -> None:
        """Release database connections."""
        self._engine.dispose()

    def subject_state(self, pseudonym: str | None) -> SubjectState:
        """Read the person's consent, objection, key and the policies."""
        with self._boundary("read the subject's state"), self._engine.connect() as conn:
            try:
                return subject_state(conn, pseudonym)
            except UnknownSubject as exc:
                raise SubjectUnknown(str(exc)) from exc

    def register_device(self, person_id: int, name: str, platform: str) -> int:
        """Insert a device row for ``person_id``; return its id."""
        now = datetime.now(UTC)
        platform = platform or platform_module.system().lower()
        with self._boundary("register the device"), self._engine.begin() as conn:
            return add_device(conn, person_id, name, platform, now, last_seen_at=now)

    def device_seen(self, device_id: int) -> None:
        """Update the device's ``last_seen_at``."""
        with self._boundary("update the device"), self._engine.begin() as conn:
            device_seen(conn, device_id, datetime.now(UTC))

    def send_minutes(self, rows: Sequence[PendingMinute]) -> int:
        """Upsert minute rows and refresh the rollups they touch, in one transaction."""
        if not rows:
            return 0
        with self._boundary("store minute rows"), self._engine.begin() as conn:
            skew = writer_skew(conn, self._clock())
            return record_minutes(conn, rows, OnConflict.REPLACE, SOURCE, skew)

    def send_spans(self, rows: Sequence[PendingSpan]) -> int:
        """Upsert spans by start (an extended or cut span replaces its earlier state)."""
        if not rows:
            return 0
        with self._boundary("store spans"), self._engine.begin() as conn:
            skew = writer_skew(conn, self._clock())
            return record_spans(conn, rows, OnConflict.REPLACE, SOURCE, skew)

    def send_screenshot(self, key: str, envelope: bytes, meta: ScreenshotMeta) -> None:
        """Put the sealed object unless it is there already, then insert its row."""
        key_id = read_header(envelope).key_id
        row = (meta.person_id, meta.device_id, meta.taken_at, key, key_id,
               meta.width, meta.height, len(envelope), meta.blurred)  # fmt: skip
        with self._boundary("store a screenshot"):
            try:
                self._store_screenshot(key, envelope, row)
            except CaptureRefused:
                # Taken after a withdrawal or objection: delivered as dropped, nothing kept.
                self._objects.delete(key)

    def _store_screenshot(self, key: str, envelope: bytes, row: tuple[Any, ...]) -> None:
        with self._engine.begin() as conn:
            if not live_timezones(conn, {row[0]}):
                return
            # Checked before the object is stored: a quarantined row leaves no object.
            skew = writer_skew(conn, self._clock())
            if not screenshot_passes(conn, row, SOURCE, skew):
                return
        if not self._objects.exists(key):
            self._objects.put(key, envelope)
        with self._engine.begin() as conn:
            insert_screenshot(conn, row, skew)

    @contextmanager
    def _boundary(self, action: str) -> Iterator[None]:
        """Check the schema once; turn outages into SinkUnavailable (no content in it)."""
        try:
            if not self._checked:
                ensure_current(self._engine)
                self._checked = True
            yield
        except SchemaOutdated:
            raise
        except (DatabaseError, ObjectStoreError) as exc:
            raise SinkUnavailable(f"cannot {action}: {_first_line(exc)}") from exc
        except IntegrityError as exc:
            raise DatabaseError(f"cannot {action}: the database refused the batch") from exc
        except (DBAPIError, SQLAlchemyError) as exc:
            raise SinkUnavailable(
                f"cannot {action}: database unreachable ({type(exc).__name__})"
            ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
