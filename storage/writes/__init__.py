"""The one write path for activity: every writer of activity rows goes through here.

Used by the embedded sink (one machine), the ingestion service, the ActivityWatch importer
and the demo, so the rules every write must follow (the subject's consent and key, the data
contracts with their quarantine, erased people's rows dropped, rollups refreshed in the same
transaction) are written once. Each caller names its conflict rule (``OnConflict``):

- ``REPLACE`` (sink, service): a later state of the same key replaces the earlier one;
- ``IGNORE`` (importer): an existing key is kept, so importing a file twice changes nothing;
- ``FAIL`` (demo): rows are new; a duplicate key is an error.

Functions take the caller's ``Connection`` so the caller decides the transaction.
"""

from storage.writes.activity import (
    OnConflict,
    record_minutes,
    record_spans,
    refresh_extent,
    write_minutes,
    write_spans,
)
from storage.writes.devices import add_device, device_seen, find_device
from storage.writes.screenshots import SHOT_COLUMNS, insert_screenshot, screenshot_passes
from storage.writes.subjects import SubjectState, live_timezones, subject_state

__all__ = [
    "SHOT_COLUMNS",
    "OnConflict",
    "SubjectState",
    "add_device",
    "device_seen",
    "find_device",
    "insert_screenshot",
    "live_timezones",
    "record_minutes",
    "record_spans",
    "refresh_extent",
    "screenshot_passes",
    "subject_state",
    "write_minutes",
    "write_spans",
]
