"""Storage work of the service: enrolment, device auth, subject state and batch writes.

Minute rows and spans go through the embedded sink's writer, so the service and a single
machine share one idempotent upsert (same keys), one contract check with quarantine, and
one rollup refresh in the write's transaction. A batch failing its contract is quarantined
there and answered 422, which the device treats as delivered (the DPO sees the batch).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from collector.sinks.base import SubjectState
from collector.sinks.embedded import EmbeddedSink
from collector.spool.records import PendingMinute, PendingSpan
from data_contracts.ingest import check_batch
from ingest import enrolment
from ingest.enrolment import DeviceAuth
from ingest.errors import Unprocessable
from ingest.payloads import batch_rows
from storage.config import Settings
from storage.db.engine import open_engine
from storage.db.migrate import ensure_current
from storage.errors import DatabaseError
from storage.objects import ObjectStore, open_object_store


class BatchWriter:
    """The service's handle on the database and object store of ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self.engine = open_engine(settings.database_url)
        ensure_current(self.engine)
        self.objects: ObjectStore = open_object_store(settings.object_store_url)
        self._sink = EmbeddedSink(settings)

    def close(self) -> None:
        """Release database connections."""
        self._sink.close()
        self.engine.dispose()

    def authenticate(self, token: str) -> DeviceAuth:
        """The device of ``token``; Unauthorized if unknown or revoked."""
        with self.engine.connect() as conn:
            return enrolment.authenticate(conn, token)

    def enrol(self, code: str, name: str, platform: str) -> dict[str, Any]:
        """Spend ``code`` for a new device; its token, identity and the person's state."""
        with self.engine.begin() as conn:
            enrolled = enrolment.enrol(conn, code, name, platform, datetime.now(UTC))
        state = self._sink.subject_state(enrolled.auth.pseudonym)
        return {"token": enrolled.token, **state_json(state, enrolled.auth)}

    def state(self, auth: DeviceAuth) -> SubjectState:
        """The person's consent, key and policies; notes that the device was seen."""
        with self.engine.begin() as conn:
            enrolment.touch(conn, auth.device_id, datetime.now(UTC))
        return self._sink.subject_state(auth.pseudonym)

    def write_batch(self, payload: dict[str, Any], auth: DeviceAuth) -> dict[str, int]:
        """Store a batch's minute rows and spans; Unprocessable if one failed its contract."""
        minutes, spans = batch_rows(payload, auth)
        failed = [
            name
            for name, dataset, rows in (
                ("minutes", "activity_minutes", _minute_dicts(minutes)),
                ("spans", "app_spans", _span_dicts(spans)),
            )
            if rows and not check_batch(dataset, rows).success
        ]
        # Each write checks again and quarantines a failing batch whole (nothing written).
        try:
            stored = {
                "minutes": self._sink.send_minutes(minutes),
                "spans": self._sink.send_spans(spans),
            }
        except DatabaseError as exc:
            if not isinstance(exc.__cause__, IntegrityError):
                raise  # an outage: 503, the device retries
            # A constraint the checks above missed: retrying would never help.
            raise Unprocessable("the database refused the batch") from exc
        if failed:
            raise Unprocessable(f"{' and '.join(failed)} failed their data contract; quarantined")
        return stored


def state_json(state: SubjectState, auth: DeviceAuth) -> dict[str, Any]:
    """What a device needs of its person's state, as JSON (the public key in hex)."""
    return {
        "device_id": auth.device_id,
        "person_id": state.person_id,
        "pseudonym": state.pseudonym,
        "consent": state.consent,
        "objected": state.objected,
        "restricted": state.restricted,
        "timezone": state.timezone,
        "key_id": state.public_key.key_id,
        "public_key": state.public_key.public_key.hex(),
        "policies": state.policies,
    }


def _minute_dicts(rows: list[PendingMinute]) -> list[dict[str, Any]]:
    return [{k: v for k, v in vars(row).items() if k != "rev"} for row in rows]


def _span_dicts(rows: list[PendingSpan]) -> list[dict[str, Any]]:
    return [{k: v for k, v in vars(row).items() if k != "rev"} for row in rows]
