"""Gathering everything held about one person, for an access or portability export.

Every query is filtered on the subject's own id (or their accounts and audit references):
nothing here can reach another person's rows. Titles and screenshots are decrypted with the
subject's key; the password hash and key material are never exported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from storage import audit
from storage.db.schema import (
    activity_10min,
    activity_daily,
    activity_minutes,
    app_daily,
    app_spans,
    devices,
    idle_reviews,
    people,
    rights_requests,
    screenshots,
    teams,
    users,
)
from storage.errors import StorageError
from storage.facade import Storage

SERIES: tuple[Table, ...] = (activity_minutes, activity_10min, activity_daily, app_daily)
NEVER_EXPORTED = {"password_hash", "title_ct", "key_id"}


@dataclass
class Screenshot:
    """One decrypted screenshot and where it goes in the ZIP."""

    name: str
    image: bytes


@dataclass
class Holdings:
    """Everything held about one person: datasets as lists of JSON-ready rows, images."""

    person_id: int
    pseudonym: str
    datasets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    screenshots: list[Screenshot] = field(default_factory=list)
    device_names: dict[int, str] = field(default_factory=dict)


def plain(value: Any) -> Any:
    """A JSON-ready form of one column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _rows(connection: Connection, table: Table, *where: Any) -> list[dict[str, Any]]:
    columns = [c for c in table.c if c.name not in NEVER_EXPORTED]
    names = [c.name for c in columns]
    # Only columns whose values need it go through ``plain``: minute tables hold ~40,000
    # rows a quarter, and converting every integer cost seconds (issue 6 benchmark).
    convert = [i for i, c in enumerate(columns) if _python_type(c) not in (int, str, bool)]
    found = connection.execute(select(*columns).where(*where)).all()
    rows = []
    for row in found:
        values = list(row)
        for i in convert:
            values[i] = plain(values[i])
        rows.append(dict(zip(names, values, strict=True)))
    return rows


def _python_type(column: Any) -> type | None:
    try:
        found: type = column.type.python_type
    except NotImplementedError:
        return None
    return found


def _profile(connection: Connection, person_id: int) -> list[dict[str, Any]]:
    rows = _rows(connection, people, people.c.id == person_id)
    for row in rows:
        team = connection.execute(
            select(teams.c.name, teams.c.department).where(teams.c.id == row["team_id"])
        ).one()
        row.update(team=team.name, department=team.department)
    return rows


def _spans(storage: Storage, connection: Connection, person_id: int) -> list[dict[str, Any]]:
    found = connection.execute(
        select(app_spans).where(app_spans.c.person_id == person_id).order_by(app_spans.c.start_ts)
    ).all()
    rows = []
    for span in found:
        row = {c.name: plain(getattr(span, c.name)) for c in app_spans.c if c.name != "title_ct"}
        row["title"] = _open_text(storage, span.title_ct)
        rows.append(row)
    return rows


def _open_text(storage: Storage, envelope: bytes | None) -> str | None:
    if envelope is None:
        return None
    try:
        return storage.vault.open(envelope).decode("utf-8", errors="replace")
    except StorageError:
        return None  # unreadable (key destroyed): nothing is held in readable form


def _image_name(key: str, image: bytes) -> str:
    ext = "png" if image.startswith(b"\x89PNG") else "jpg" if image[:3] == b"\xff\xd8\xff" else ""
    ext = ext or ("webp" if image[8:12] == b"WEBP" else "bin")
    return f"screenshots/{key.rsplit('/', 1)[-1].removesuffix('.tqe')}.{ext}"


def _screenshots(storage: Storage, holdings: Holdings, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        try:
            image = storage.vault.open(storage.objects.get(row["object_key"]))
        except StorageError:
            row["file"] = None  # gone or unreadable
            continue
        row["file"] = _image_name(row["object_key"], image)
        holdings.screenshots.append(Screenshot(row["file"], image))


def gather(storage: Storage, connection: Connection, person_id: int) -> Holdings:
    """Everything held about ``person_id`` (see module doc)."""
    profile = _profile(connection, person_id)
    holdings = Holdings(person_id, str(profile[0]["pseudonym"]) if profile else "")
    data = holdings.datasets
    data["profile"] = profile
    data["devices"] = _rows(connection, devices, devices.c.person_id == person_id)
    holdings.device_names = {int(d["id"]): str(d["name"]) for d in data["devices"]}
    data["accounts"] = _rows(connection, users, users.c.person_id == person_id)
    for table in SERIES:
        data[table.name] = _rows(connection, table, table.c.person_id == person_id)
    data["app_spans"] = _spans(storage, connection, person_id)
    data["screenshots"] = _rows(connection, screenshots, screenshots.c.person_id == person_id)
    _screenshots(storage, holdings, data["screenshots"])
    data["idle_reviews"] = _rows(connection, idle_reviews, idle_reviews.c.person_id == person_id)
    data["rights_requests"] = _rows(
        connection, rights_requests, rights_requests.c.person_id == person_id
    )
    refs = [audit.person_ref(person_id), *(audit.user_ref(a["id"]) for a in data["accounts"])]
    data["audit_log"] = audit.entries_about(connection, refs)
    return holdings
