"""Screenshot rows: checked against their contract, then inserted once (a replay is a no-op).

The object is stored by the caller between the check and the insert, so a quarantined row
leaves no object and a row never points at a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from data_contracts.quarantine import check_or_quarantine
from storage.consent import EXACT, Skew, check_screenshot
from storage.db.bulk import bulk_insert
from storage.db.schema import screenshots

SHOT_COLUMNS = (
    "person_id",
    "device_id",
    "taken_at",
    "object_key",
    "key_id",
    "width",
    "height",
    "size_bytes",
    "blurred",
)


def screenshot_passes(
    conn: Connection, row: Sequence[Any], source: str, skew: Skew = EXACT
) -> bool:
    """Whether the row (in ``SHOT_COLUMNS`` order) passes its contract; else it is quarantined.

    Raises CaptureRefused when it was taken after the person withdrew consent or objected:
    the caller stores no object (and deletes one already uploaded). ``taken_at`` is judged
    with the device clock's ``skew`` (``storage.consent``).
    """
    check_screenshot(conn, int(row[0]), int(row[2]), skew)
    values = dict(zip(SHOT_COLUMNS, row, strict=True))
    return check_or_quarantine(conn, "screenshots", [values], source, datetime.now(UTC)).success


def insert_screenshot(conn: Connection, row: Sequence[Any], skew: Skew = EXACT) -> None:
    """Insert the row unless one with its key exists (screenshots are never replaced).

    Raises CaptureRefused as ``screenshot_passes`` does (a withdrawal may land in between).
    """
    check_screenshot(conn, int(row[0]), int(row[2]), skew)
    bulk_insert(conn, screenshots, SHOT_COLUMNS, [tuple(row)], on_conflict="ignore")
