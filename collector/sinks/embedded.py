"""The embedded sink: writes the configured database and object store directly.

For the one-machine deployment. Minute rows and spans are upserted (a later state of the
same key replaces the earlier one) and the person's rollups are refreshed in the same
transaction; screenshots go to the object store first, then their row, so a row never
points at a missing object and a retry finds the object already there. Rows of a person
who no longer exists (erased) are confirmed and dropped, never stored.
"""

from __future__ import annotations

import platform as platform_module
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from collector.sinks.base import ScreenshotMeta, SinkUnavailable, SubjectState, SubjectUnknown
from collector.spool.records import PendingMinute, PendingSpan, clip_app, clip_site
from data_contracts.quarantine import check_or_quarantine
from storage.config import Settings
from storage.crypto.envelope import read_header
from storage.db.bulk import bulk_insert
from storage.db.engine import open_engine
from storage.db.migrate import ensure_current
from storage.db.schema import activity_minutes, app_spans, devices, people, screenshots
from storage.errors import DatabaseError, ObjectStoreError, SchemaOutdated
from storage.objects import open_object_store
from storage.policies import load_policies
from storage.rollups import refresh_rollups
from storage.vault import SubjectPublicKey, public_key_for

_MINUTE_COLUMNS = (
    "active_seconds",
    "key_presses",
    "mouse_clicks",
    "mouse_moves",
    "scrolls",
)
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


class EmbeddedSink:
    """Database and object store of this installation, opened lazily from ``settings``."""

    def __init__(self, settings: Settings) -> None:
        self._engine = open_engine(settings.database_url)
        self._objects = open_object_store(settings.object_store_url)
        self._checked = False
        self._zones: dict[int, str] = {}

    def close(self) -> None:
        """Release database connections."""
        self._engine.dispose()

    def subject_state(self, pseudonym: str | None) -> SubjectState:
        """Read the person's consent, objection, key and the policies."""
        with self._boundary("read the subject's state"), self._engine.connect() as conn:
            row = _find_person(conn, pseudonym)
            public_key = _public_key_for(conn, int(row.id))
            policies = load_policies(conn)
        self._zones[int(row.id)] = str(row.timezone)
        return SubjectState(
            person_id=int(row.id),
            pseudonym=str(row.pseudonym),
            consent=str(row.consent),
            objected=bool(row.objected),
            restricted=bool(row.restricted),
            timezone=str(row.timezone),
            public_key=public_key,
            policies=policies,
            paused=bool(row.tracking_paused),
        )

    def register_device(self, person_id: int, name: str, platform: str) -> int:
        """Insert a device row for ``person_id``; return its id."""
        now = datetime.now(UTC)
        with self._boundary("register the device"), self._engine.begin() as conn:
            result = conn.execute(
                insert(devices).values(
                    person_id=person_id,
                    name=name,
                    platform=platform or platform_module.system().lower(),
                    created_at=now,
                    last_seen_at=now,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def device_seen(self, device_id: int) -> None:
        """Update the device's ``last_seen_at``."""
        with self._boundary("update the device"), self._engine.begin() as conn:
            conn.execute(
                update(devices)
                .where(devices.c.id == device_id)
                .values(last_seen_at=datetime.now(UTC))
            )

    def send_minutes(self, rows: Sequence[PendingMinute]) -> int:
        """Upsert minute rows and refresh the rollups they touch, in one transaction."""
        if not rows:
            return 0
        with self._boundary("store minute rows"), self._engine.begin() as conn:
            live = self._live_people(conn, {row.person_id for row in rows})
            kept = [row for row in rows if row.person_id in live]
            values = [_minute_values(row) for row in kept]
            if not _passes_contract(conn, "activity_minutes", values):
                return len(rows)
            _upsert(conn, activity_minutes, ("person_id", "minute", "device_id"), values)
            for person_id in {row.person_id for row in kept}:
                minutes = [row.minute for row in kept if row.person_id == person_id]
                self._refresh(conn, person_id, min(minutes), max(minutes) + 60)
        return len(rows)

    def send_spans(self, rows: Sequence[PendingSpan]) -> int:
        """Upsert spans by start (an extended or cut span replaces its earlier state)."""
        if not rows:
            return 0
        with self._boundary("store spans"), self._engine.begin() as conn:
            live = self._live_people(conn, {row.person_id for row in rows})
            kept = [row for row in rows if row.person_id in live]
            if not _passes_contract(conn, "app_spans", [_span_values(row) for row in kept]):
                return len(rows)
            for person_id, items in _group_rows(kept).items():
                # A shorter new state (cut by idle) must refresh the time it no longer covers.
                stored_end = _stored_end(conn, person_id, items)
                _upsert(
                    conn,
                    app_spans,
                    ("person_id", "device_id", "start_ts"),
                    [_span_values(row) for row in items],
                )
                end = max([row.end_ts for row in items] + [stored_end])
                self._refresh(conn, person_id, min(row.start_ts for row in items), end)
        return len(rows)

    def send_screenshot(self, key: str, envelope: bytes, meta: ScreenshotMeta) -> bool:
        """Put the sealed object unless it is there already, then insert its row."""
        row = (
            meta.person_id,
            meta.device_id,
            meta.taken_at,
            key,
            read_header(envelope).key_id,
            meta.width,
            meta.height,
            len(envelope),
            meta.blurred,
        )
        values = dict(zip(SHOT_COLUMNS, row, strict=True))
        with self._boundary("store a screenshot"):
            with self._engine.begin() as conn:
                if not self._live_people(conn, {meta.person_id}):
                    return True
                # Checked before the object is stored: a quarantined row leaves no object.
                if not _passes_contract(conn, "screenshots", [values]):
                    return True
            if not self._objects.exists(key):
                self._objects.put(key, envelope)
            with self._engine.begin() as conn:
                bulk_insert(conn, screenshots, SHOT_COLUMNS, [row], on_conflict="ignore")
        return True

    def _refresh(self, conn: Connection, person_id: int, start_ts: int, end_ts: int) -> None:
        refresh_rollups(conn, person_id, start_ts, end_ts, self._zones[person_id])

    def _live_people(self, conn: Connection, person_ids: set[int]) -> set[int]:
        found = conn.execute(
            select(people.c.id, people.c.timezone).where(people.c.id.in_(sorted(person_ids)))
        ).all()
        self._zones.update({int(row.id): str(row.timezone) for row in found})
        return {int(row.id) for row in found}

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


def _find_person(conn: Connection, pseudonym: str | None) -> Any:
    query = select(
        people.c.id,
        people.c.pseudonym,
        people.c.consent,
        people.c.objected,
        people.c.restricted,
        people.c.tracking_paused,
        people.c.timezone,
    )
    if pseudonym is None:
        found = conn.execute(query.limit(2)).all()
        if len(found) != 1:
            raise SubjectUnknown(
                "cannot tell whose device this is; pass --subject PSEUDONYM on the first run"
            )
        return found[0]
    row = conn.execute(query.where(people.c.pseudonym == pseudonym)).first()
    if row is None:
        raise SubjectUnknown(f"no person with pseudonym {pseudonym} (erased or never added)")
    return row


def _passes_contract(conn: Connection, dataset: str, values: list[dict[str, Any]]) -> bool:
    """Check a batch against its data contract; a failing one is quarantined whole.

    It is then acknowledged like a stored batch, so the spool does not retry it forever, and
    the DPO and admin find it (with its validation result) among the quarantined batches.
    """
    return check_or_quarantine(conn, dataset, values, "collector", datetime.now(UTC)).success


def _public_key_for(conn: Connection, person_id: int) -> SubjectPublicKey:
    # The collector must never hold a master key: only the public half is read here.
    from storage.errors import KeyDestroyed

    try:
        return public_key_for(conn, person_id)
    except KeyDestroyed as exc:
        raise SubjectUnknown("the person has no live key (erased?)") from exc


def _upsert(
    conn: Connection, table: Table, key: tuple[str, ...], values: list[dict[str, Any]]
) -> None:
    """Insert rows, replacing every non-key column of a row whose key exists."""
    if not values:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    changed = {name: statement.excluded[name] for name in values[0] if name not in key}
    conn.execute(statement.on_conflict_do_update(index_elements=list(key), set_=changed), values)


def _minute_values(row: PendingMinute) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in _MINUTE_COLUMNS}
    return {"person_id": row.person_id, "device_id": row.device_id, "minute": row.minute, **values}


def _span_values(row: PendingSpan) -> dict[str, Any]:
    return {
        "person_id": row.person_id,
        "device_id": row.device_id,
        "start_ts": row.start_ts,
        "end_ts": row.end_ts,
        "app": clip_app(row.app),
        "site": clip_site(row.site),
        "title_ct": row.title_ct,
    }


def _stored_end(conn: Connection, person_id: int, items: list[PendingSpan]) -> int:
    keys = [(row.device_id, row.start_ts) for row in items]
    stored = conn.execute(
        select(func.max(app_spans.c.end_ts)).where(
            app_spans.c.person_id == person_id,
            app_spans.c.start_ts.in_(sorted({start for _device, start in keys})),
            app_spans.c.device_id.in_(sorted({device for device, _start in keys})),
        )
    ).scalar()
    return int(stored) if stored is not None else 0


def _group_rows(rows: Sequence[PendingSpan]) -> dict[int, list[PendingSpan]]:
    groups: dict[int, list[PendingSpan]] = defaultdict(list)
    for row in rows:
        groups[row.person_id].append(row)
    return groups


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
