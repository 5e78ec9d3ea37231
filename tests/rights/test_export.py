"""Access/portability exports on the demo: every category held, nothing about anyone else."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import Connection, select

from services.rights import AccessDenied, file_request, load_actor, transition
from services.rights.export import export_request
from storage import audit
from storage.db import schema
from storage.facade import Storage

NOW = datetime(2026, 4, 2, 10, 0, tzinfo=UTC)
DATASETS = (
    "profile", "devices", "accounts", "activity_minutes", "activity_10min", "activity_daily",
    "app_daily", "app_spans", "screenshots", "rights_requests", "audit_log",
)  # fmt: skip


def _subject(c: Connection) -> tuple[str, int]:
    row = c.execute(
        select(schema.users.c.username, schema.users.c.person_id)
        .join(schema.screenshots, schema.screenshots.c.person_id == schema.users.c.person_id)
        .limit(1)
    ).one()
    return str(row.username), int(row.person_id)


def _others(c: Connection, person_id: int) -> list[str]:
    found: list[str] = []
    for p in c.execute(select(schema.people).where(schema.people.c.id != person_id)):
        found += [p.pseudonym, p.display_name, p.email, audit.person_ref(p.id)]
    for u in c.execute(
        select(schema.users).where(
            schema.users.c.person_id.is_not(None), schema.users.c.person_id != person_id
        )
    ):
        found += [u.username, audit.user_ref(u.id)]
    return [text for text in found if text]


def _export(storage: Storage) -> tuple[zipfile.ZipFile, int, list[str]]:
    with storage.engine.begin() as c:
        username, person_id = _subject(c)
        subject, dpo = load_actor(c, username), load_actor(c, "ilse.marchetti")
        request = file_request(c, subject, person_id, "access", NOW)
        transition(c, dpo, request.id, "approve", NOW)
        archive = export_request(storage, c, subject, request.id, NOW)
        others = _others(c, person_id)
    return zipfile.ZipFile(io.BytesIO(archive)), person_id, others


def _person_ids(value: Any) -> set[Any]:
    found: set[Any] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            found |= {item} if key == "person_id" else _person_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _person_ids(item)
    return found


def test_export_holds_every_category_and_nothing_about_anyone_else(
    demo_storage: Storage,
) -> None:
    archive, person_id, others = _export(demo_storage)
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    for dataset in DATASETS:
        assert {f"data/{dataset}.json", f"data/{dataset}.csv"} <= names, dataset
        assert dataset in manifest["columns"]
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    assert {e["path"] for e in manifest["files"]} == names - {"manifest.json"}
    for dataset in ("activity_minutes", "app_spans", "screenshots", "activity_daily"):
        assert json.loads(archive.read(f"data/{dataset}.json")), dataset
    spans = json.loads(archive.read("data/app_spans.json"))
    assert any(span["title"] for span in spans)
    assert manifest["columns"]["app_spans"]["title"].startswith("window titles")
    images = [n for n in names if n.startswith("screenshots/")]
    assert images
    for name in images:
        Image.open(io.BytesIO(archive.read(name))).verify()
    aw = json.loads(archive.read("activitywatch.json"))
    assert aw["buckets"] and all(b["events"] and b["id"] == k for k, b in aw["buckets"].items())
    summary = archive.read("summary.html").decode()
    for fragment in ("purpose", "recipients", "retention", "Source", "supervisory authority"):
        assert fragment in summary
    assert "30 days" in summary  # screenshots' retention from the policy

    for name in names:
        data = archive.read(name)
        for text in others:
            assert text.encode() not in data, (name, text)
        if name.startswith("data/") and name.endswith(".json"):
            assert _person_ids(json.loads(data)) <= {person_id}, name
    assert audit.verify(demo_storage.engine).ok


def test_nobody_else_can_export_a_persons_request(demo_storage: Storage) -> None:
    with demo_storage.engine.begin() as c:
        username, person_id = _subject(c)
        other = (
            c.execute(
                select(schema.users.c.username).where(
                    schema.users.c.role == "employee", schema.users.c.person_id != person_id
                )
            )
            .scalars()
            .first()
        )
        request = file_request(c, load_actor(c, username), person_id, "portability", NOW)
        transition(c, load_actor(c, "ilse.marchetti"), request.id, "approve", NOW)
        for intruder in (str(other), "sigrid.lindqvist"):
            with pytest.raises(AccessDenied):
                export_request(demo_storage, c, load_actor(c, intruder), request.id, NOW)


def test_csv_times_read_as_iso_8601_in_utc_and_in_the_persons_zone(
    demo_storage: Storage,
) -> None:
    """People read the CSVs: beside each epoch column, the same moment in ISO 8601, in UTC
    and in the person's own time zone (the JSON keeps the epoch, for programs)."""
    archive, person_id, _ = _export(demo_storage)
    zone = ZoneInfo(json.loads(archive.read("data/profile.json"))[0]["timezone"])
    for dataset, column in (("app_spans", "start_ts"), ("activity_minutes", "minute")):
        rows = list(csv.DictReader(io.StringIO(archive.read(f"data/{dataset}.csv").decode())))
        assert rows, dataset
        for row in rows[:50]:
            moment = datetime.fromtimestamp(int(row[column]), UTC)
            assert datetime.fromisoformat(row[f"{column}_utc"]) == moment
            local = datetime.fromisoformat(row[f"{column}_local"])
            assert local == moment and local.utcoffset() == moment.astimezone(zone).utcoffset()
        assert all(row["person_id"] == str(person_id) for row in rows)
    assert "start_ts_utc" not in json.loads(archive.read("data/app_spans.json"))[0]
