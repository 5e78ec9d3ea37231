"""Round trip: a person's rights export (ActivityWatch format) imported into a fresh
installation gives the same minutes, spans and titles."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select

from services.rights.export_data import gather
from services.rights.export_formats import activitywatch
from storage.config import load_settings
from storage.db import schema
from storage.facade import open_storage
from tests.collector.install import installation
from tests.traq.cli import traq
from traq.main import main

DEMO = [
    "demo", "--employees", "3", "--days", "3", "--seed", "11", "--end", "2026-03-31",
    "--screenshot-days", "0",
]  # fmt: skip


def _exported_person(tmp_path: Path) -> tuple[bytes, dict[str, object]]:
    """A demo installation's first person as an ActivityWatch file, and their totals."""
    env = {"TRAQ_DATA_DIR": str(tmp_path / "source")}
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()):
        for name, value in env.items():
            patch.setenv(name, value)
        with contextlib.redirect_stderr(io.StringIO()):
            assert main(["init"]) == 0 and main(DEMO) == 0
    storage = open_storage(load_settings(env))
    try:
        with storage.engine.connect() as c:
            person = int(c.execute(select(func.min(schema.people.c.id))).scalar_one())
            holdings = gather(storage, c, person)
            totals = _totals(c, person)
            titles = {
                (s["start_ts"], s["end_ts"]): s["title"] for s in holdings.datasets["app_spans"]
            }
    finally:
        storage.close()
    totals["titles"] = titles
    return activitywatch(holdings, datetime.now(UTC)), totals


def _totals(c: Connection, person: int) -> dict[str, object]:
    m, s, d = schema.activity_minutes.c, schema.app_spans.c, schema.activity_daily.c
    a = schema.app_daily.c
    minutes = select(func.count(), func.min(m.minute), func.max(m.minute))
    spans = select(func.count(), func.sum(s.end_ts - s.start_ts))
    keys = select(s.start_ts, s.end_ts, s.app, s.site)
    return {
        "minutes": tuple(c.execute(minutes.where(m.person_id == person)).one()),
        "spans": tuple(c.execute(spans.where(s.person_id == person)).one()),
        "span_keys": sorted(tuple(r) for r in c.execute(keys.where(s.person_id == person))),
        "tracked": c.execute(
            select(func.sum(d.tracked_seconds)).where(d.person_id == person)
        ).scalar_one(),
        "app_seconds": c.execute(
            select(func.sum(a.seconds)).where(a.person_id == person)
        ).scalar_one(),
    }


def test_export_then_import_gives_the_same_totals(tmp_path: Path, database_url: str) -> None:
    data, expected = _exported_person(tmp_path)
    path = tmp_path / "activitywatch.json"
    path.write_bytes(data)
    with installation(tmp_path / "target", database_url) as target:
        # The same time zone as the source person, so that local days (rollups) agree.
        subject = target.add_person(_zone_of_source(tmp_path))
        result = traq("import", "activitywatch", str(path), "--subject", subject, "--json",
                      env=target.env)  # fmt: skip
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        with target.engine.connect() as c:
            person = int(
                c.execute(
                    select(schema.people.c.id).where(schema.people.c.pseudonym == subject)
                ).scalar_one()
            )
            got = _totals(c, person)
            vault = target.vault()
            titles = {
                (row.start_ts, row.end_ts): vault.open(row.title_ct).decode()
                for row in c.execute(
                    select(schema.app_spans).where(schema.app_spans.c.title_ct.is_not(None))
                )
            }
    assert report["minutes_written"] == expected["minutes"][0] > 0  # type: ignore[index]
    for key in ("minutes", "spans", "span_keys", "tracked", "app_seconds"):
        assert got[key] == expected[key], key
    source_titles: dict[tuple[int, int], str | None] = expected["titles"]  # type: ignore[assignment]
    assert titles and all(source_titles[k] == v for k, v in titles.items())


def _zone_of_source(tmp_path: Path) -> str:
    storage = open_storage(load_settings({"TRAQ_DATA_DIR": str(tmp_path / "source")}))
    try:
        with storage.engine.connect() as c:
            return str(
                c.execute(
                    select(schema.people.c.timezone).order_by(schema.people.c.id).limit(1)
                ).scalar_one()
            )
    finally:
        storage.close()
