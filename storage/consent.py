"""Consent on the server: nothing captured after a withdrawal or objection is stored.

A withdrawal of consent or an objection takes effect when filed (``stop_capture``); the
collector learns of it at its next state check, up to a minute later, and may already have
captured and spooled more. The one write API asks ``capture_window`` and keeps only what was
captured outside the stopped interval (``CaptureWindow``), for every caller: the embedded
sink, the ingestion service, the importer. Giving consent again (without an objection
standing) resumes capture (``resume_capture``); the interval is kept so that late rows from
inside it are still dropped.

Times are the device's; a device's clock may be wrong. A writer that cannot vouch for the
device's clock (the ingestion service, ``ingest.clock``) passes a ``Skew``: the bounds, in
seconds, of what must be added to a device time to get the server time it may stand for.
What could fall inside the stopped interval at either bound is refused: ambiguity drops.
The embedded sink measures its machine's clock against the database server's at each
write (``storage.db_clock``; on SQLite the two are one clock: ``EXACT``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from storage.db.schema import people
from storage.errors import CaptureRefused


@dataclass(frozen=True)
class Skew:
    """A device time ``t`` stands for a server time between ``t + earliest`` and ``t + latest``."""

    earliest: int = 0
    latest: int = 0


EXACT = Skew()  # the writer shares the server's clock (the embedded sink)


@dataclass(frozen=True)
class CaptureWindow:
    """When capture was stopped (and resumed), in epoch seconds; None when never stopped."""

    stopped_at: int | None = None
    resumed_at: int | None = None

    @property
    def stopped(self) -> bool:
        """Whether capture is stopped right now (stopped and not resumed since)."""
        return self.stopped_at is not None and self.resumed_at is None

    def allows(self, start: int, end: int | None = None, skew: Skew = EXACT) -> bool:
        """Whether what was captured over ``[start, end)`` (an instant if no end) may be kept.

        Anything that may overlap the stopped interval, at either bound of ``skew``, is
        refused: a minute in which the right took effect is dropped whole, since its counts
        cannot be split.
        """
        if self.stopped_at is None:
            return True
        end = start + 1 if end is None else max(end, start + 1)
        if end + skew.latest <= self.stopped_at:
            return True
        return self.resumed_at is not None and start + skew.earliest >= self.resumed_at

    def clip_end(self, start: int, end: int, skew: Skew = EXACT) -> int | None:
        """The end of a span cut at the stop, or None if the span must be dropped entirely."""
        if self.allows(start, end, skew):
            return end
        if self.stopped_at is not None and start + skew.latest < self.stopped_at:
            return self.stopped_at - skew.latest  # the part surely before the right stays
        return None


def _epoch(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def capture_window(connection: Connection, person_id: int) -> CaptureWindow:
    """The person's capture window (an unknown person has none: nothing to refuse here)."""
    row = connection.execute(
        select(people.c.capture_stopped_at, people.c.capture_resumed_at).where(
            people.c.id == person_id
        )
    ).first()
    if row is None:
        return CaptureWindow()
    return CaptureWindow(_epoch(row.capture_stopped_at), _epoch(row.capture_resumed_at))


def stop_capture(connection: Connection, person_id: int, now: datetime) -> None:
    """Record that capture stops at ``now`` (kept if it already stood stopped)."""
    if capture_window(connection, person_id).stopped:
        return
    connection.execute(
        update(people)
        .where(people.c.id == person_id)
        .values(capture_stopped_at=now, capture_resumed_at=None)
    )


def resume_capture(connection: Connection, person_id: int, now: datetime) -> None:
    """Record that capture resumes at ``now``, unless a withdrawal or objection still stands."""
    row = connection.execute(
        select(people.c.consent, people.c.objected).where(people.c.id == person_id)
    ).first()
    if row is None or row.consent != "given" or row.objected:
        return
    if capture_window(connection, person_id).stopped:
        connection.execute(
            update(people).where(people.c.id == person_id).values(capture_resumed_at=now)
        )


def admit_minutes(
    connection: Connection, rows: Iterable[tuple[Any, ...]], skew: Skew = EXACT
) -> Iterator[Any]:
    """The minute rows (person, device, minute, …) surely captured while capture was allowed."""
    windows = _Windows(connection)
    for row in rows:
        if windows.of(row[0]).allows(row[2], row[2] + 60, skew):
            yield row


def admit_spans(
    connection: Connection, rows: Iterable[tuple[Any, ...]], skew: Skew = EXACT
) -> Iterator[Any]:
    """The spans (person, device, start, end, …), cut at a stop; those wholly after it dropped."""
    windows = _Windows(connection)
    for row in rows:
        end = windows.of(row[0]).clip_end(row[2], row[3], skew)
        if end is not None:
            yield (*row[:3], end, *row[4:]) if end != row[3] else row


def check_screenshot(
    connection: Connection, person_id: int, taken_at: int, skew: Skew = EXACT
) -> None:
    """Raise CaptureRefused if a screenshot taken at ``taken_at`` may not be stored."""
    if not capture_window(connection, person_id).allows(taken_at, None, skew):
        raise CaptureRefused(
            "the screenshot was taken after the person withdrew consent or objected; "
            "it is not stored"
        )


class _Windows:
    """Each person's capture window, read once per write."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._windows: dict[int, CaptureWindow] = {}

    def of(self, person_id: int) -> CaptureWindow:
        if person_id not in self._windows:
            self._windows[person_id] = capture_window(self._connection, person_id)
        return self._windows[person_id]
