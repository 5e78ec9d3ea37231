"""Storage work of the service: enrolment, device auth, subject state and batch writes.

Minute rows and spans go through storage's write path (``storage.writes``) with the
embedded sink's rule (``OnConflict.REPLACE``), so the service and a single machine share one
idempotent upsert (same keys), one contract check with quarantine, and one rollup refresh
in the write's transaction. A batch is all or nothing: both parts are
checked against their contracts before anything is written, and if either fails the whole
batch (both parts) is quarantined and answered 422, which the device treats as delivered
(the DPO sees the batch). Every database call is translated at ``ingest.errors.database``:
an outage answers 503, never 500.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from activity.records import PendingMinute, PendingSpan
from data_contracts.ingest import CheckResult, Failure, check_batch
from data_contracts.quarantine import quarantine_batch
from ingest import enrolment
from ingest.enrolment import DeviceAuth
from ingest.errors import Unprocessable, database
from ingest.payloads import batch_rows
from ingest.window import Window
from storage.config import Settings
from storage.consent import EXACT, Skew
from storage.db.engine import open_engine
from storage.db.migrate import ensure_current
from storage.objects import ObjectStore, open_object_store
from storage.policies import load_policies
from storage.writes import OnConflict, SubjectState, record_minutes, record_spans, subject_state

SOURCE = "collector"  # quarantined batches are labelled as the embedded sink labels them
_Results = dict[str, CheckResult]
_PARTS = {"activity_minutes": "minutes", "app_spans": "spans"}  # dataset -> batch field


class BatchWriter:
    """The service's handle on the database and object store of ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self.engine = open_engine(settings.database_url)
        with database("check the schema"):
            ensure_current(self.engine)
        self.objects: ObjectStore = open_object_store(settings.object_store_url)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    def authenticate(self, token: str) -> DeviceAuth:
        """The device of ``token``; Unauthorized if unknown or revoked."""
        with database("check the device token"), self.engine.connect() as conn:
            return enrolment.authenticate(conn, token)

    def enrol(self, code: str, name: str, platform: str) -> dict[str, Any]:
        """Spend ``code`` for a new device; its token, identity and the person's state."""
        with database("enrol the device"), self.engine.begin() as conn:
            enrolled = enrolment.enrol(conn, code, name, platform, datetime.now(UTC))
        state = self.subject_state(enrolled.auth.pseudonym)
        return {"token": enrolled.token, **state_json(state, enrolled.auth)}

    def state(self, auth: DeviceAuth) -> SubjectState:
        """The person's consent, key and policies; notes that the device was seen."""
        with database("note the device as seen"), self.engine.begin() as conn:
            enrolment.touch(conn, auth.device_id, datetime.now(UTC))
        return self.subject_state(auth.pseudonym)

    def policies(self) -> dict[str, Any]:
        """Every policy (stored over defaults)."""
        with database("read the policies", refuse_bad_data=False), self.engine.connect() as conn:
            return load_policies(conn)

    def subject_state(self, pseudonym: str) -> SubjectState:
        """The person's state; ``UnknownSubject`` (403) if they are gone or have no live key."""
        with database("read the subject's state", refuse_bad_data=False):
            with self.engine.connect() as conn:
                return subject_state(conn, pseudonym)

    def write_batch(
        self, payload: dict[str, Any], auth: DeviceAuth, window: Window, skew: Skew = EXACT
    ) -> dict[str, int]:
        """Store a batch's minute rows and spans, or nothing of it (Unprocessable, quarantined).

        Rows outside ``window`` are refused (BadRequest) before anything is checked or written;
        consent is judged with the device clock's ``skew`` (``ingest.clock``).
        """
        minutes, spans = batch_rows(payload, auth, window)
        parts = {"activity_minutes": _minute_dicts(minutes), "app_spans": _span_dicts(spans)}
        results = {name: check_batch(name, rows) for name, rows in parts.items() if rows}
        failed = [_PARTS[name] for name, result in results.items() if not result.success]
        if failed:
            self._quarantine(parts, results)
            raise Unprocessable(
                f"{' and '.join(failed)} failed their data contract; the batch was quarantined"
            )
        # Both parts passed: each is written in its own transaction (checking again, which
        # passes again). Any database error there answers 503: if the database went down
        # between the two, or a concurrent write of the same person collided, the device
        # resends the whole batch and the upserts make the replay harmless.
        written = {"minutes": 0, "spans": 0}
        with database("store minute rows", refuse_bad_data=False):
            if minutes:
                with self.engine.begin() as conn:
                    written["minutes"] = record_minutes(
                        conn, minutes, OnConflict.REPLACE, SOURCE, skew
                    )
        with database("store spans", refuse_bad_data=False):
            if spans:
                with self.engine.begin() as conn:
                    written["spans"] = record_spans(conn, spans, OnConflict.REPLACE, SOURCE, skew)
        return written

    def _quarantine(self, parts: dict[str, list[dict[str, Any]]], results: _Results) -> None:
        """Quarantine every part of a batch in one transaction, the passing part included."""
        now = datetime.now(UTC)
        with database("quarantine the batch"), self.engine.begin() as conn:
            for name, result in results.items():
                held = result if not result.success else _held_back(name, len(parts[name]))
                quarantine_batch(conn, parts[name], held, SOURCE, now)


def state_json(state: SubjectState, auth: DeviceAuth) -> dict[str, Any]:
    """What a device needs of its person's state, as JSON (the public key in hex)."""
    return {
        "device_id": auth.device_id,
        "person_id": state.person_id,
        "pseudonym": state.pseudonym,
        "consent": state.consent,
        "objected": state.objected,
        "restricted": state.restricted,
        "paused": state.paused,
        "timezone": state.timezone,
        "key_id": state.public_key.key_id,
        "public_key": state.public_key.public_key.hex(),
        "policies": state.policies,
    }


def _held_back(dataset: str, rows: int) -> CheckResult:
    """The result stored with a part that passed but whose batch failed in its other part."""
    return CheckResult(dataset, rows, (Failure("batch", "other_part_failed", rows),))


def _minute_dicts(rows: list[PendingMinute]) -> list[dict[str, Any]]:
    return [{k: v for k, v in vars(row).items() if k != "rev"} for row in rows]


def _span_dicts(rows: list[PendingSpan]) -> list[dict[str, Any]]:
    return [{k: v for k, v in vars(row).items() if k != "rev"} for row in rows]
