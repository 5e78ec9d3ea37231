"""`traq export parquet`: the lake reads back with DuckDB and polars to the database's totals."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, delete, func, select, update

from analytics.lake import PUBLISHED_DATASETS
from storage.db import schema
from storage.db.engine import open_engine
from storage.objects import open_object_store
from tests.lake.grants import analyst_of
from tests.lake.readers import duckdb_rows, polars_frame
from tests.traq.cli import assert_one_line_error, traq

# Dataset -> the columns whose sums must match (besides the row count).
SUMS = {
    "activity_minutes": ("active_seconds", "key_presses", "mouse_clicks"),
    "app_spans": ("start_ts", "end_ts"),
    "activity_10min": ("tracked_seconds", "active_seconds", "key_presses"),
    "activity_daily": ("tracked_seconds", "active_seconds", "mouse_clicks"),
    "app_daily": ("seconds",),
}


def _eligible_ids(c: Connection) -> list[int]:
    p = schema.people.c
    query = select(p.id).where(p.restricted.is_(False), p.objected.is_(False), p.consent == "given")
    return list(c.execute(query).scalars())


def _database_totals(database_url: str) -> dict[str, tuple[int, ...]]:
    engine = open_engine(database_url)
    totals = {}
    with engine.connect() as c:
        ids = _eligible_ids(c)
        for name, columns in SUMS.items():
            table: Table = getattr(schema, name)
            sums = [func.sum(table.c[col]) for col in columns]
            row = c.execute(select(func.count(), *sums).where(table.c.person_id.in_(ids))).one()
            totals[name] = tuple(int(v) for v in row)
    engine.dispose()
    return totals


def _restrict_one_person(database_url: str) -> int:
    engine = open_engine(database_url)
    with engine.begin() as c:
        person = c.execute(select(func.min(schema.people.c.id))).scalar_one()
        c.execute(update(schema.people).where(schema.people.c.id == person).values(restricted=True))
    engine.dispose()
    return int(person)


def _export(env: dict[str, str], *args: str) -> dict[str, Any]:
    analyst, env = analyst_of(env)  # holds a grant over every demo day
    result = traq("export", "parquet", "--json", "--as", analyst, *args, env=env)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_lake_reads_back_to_the_database_totals(granted_env: dict[str, str], lake_url: str) -> None:
    restricted = _restrict_one_person(granted_env["TRAQ_DATABASE_URL"])
    report = _export(granted_env, "--to", lake_url)
    # January, February, March each, of every person dataset and of the published tables
    assert report["months_written"] == 3 * (len(SUMS) + len(PUBLISHED_DATASETS))
    expected = _database_totals(granted_env["TRAQ_DATABASE_URL"])
    for name, columns in SUMS.items():
        frame = polars_frame(lake_url, name)
        assert sorted(frame["month"].unique()) == ["2026-01", "2026-02", "2026-03"]
        got = (frame.height, *(int(frame[col].sum()) for col in columns))
        assert got == expected[name], name
        sums = ", ".join(f"SUM({col})" for col in columns)
        (row,) = duckdb_rows(lake_url, name, f"SELECT COUNT(*), {sums} FROM lake")
        assert tuple(int(v) for v in row) == expected[name], name
        assert restricted not in set(frame["person_id"].to_list())
    spans = polars_frame(lake_url, "app_spans")
    assert "title_ct" not in spans.columns and "title" not in spans.columns
    people = polars_frame(lake_url, "people")
    assert set(people.columns) == {"person_id", "team_id", "team", "department", "timezone"}
    assert restricted not in set(people["person_id"].to_list())
    assert duckdb_rows(lake_url, "people", "SELECT COUNT(*) FROM lake") == [(people.height,)]


def test_rerun_writes_only_changed_months(granted_env: dict[str, str], lake_url: str) -> None:
    url = granted_env["TRAQ_DATABASE_URL"]
    months = 3 * (len(SUMS) + len(PUBLISHED_DATASETS))
    first = _export(granted_env, "--to", lake_url)
    assert first["months_written"] == months and first["months_unchanged"] == 0
    again = _export(granted_env, "--to", lake_url)
    assert again["months_written"] == 0 and again["months_unchanged"] == months
    engine = open_engine(url)
    m = schema.activity_minutes.c
    feb = (m.minute >= 1769904000) & (m.minute < 1772323200)  # 2026-02-01 .. 2026-03-01 UTC
    with engine.begin() as c:
        person, minute = c.execute(select(m.person_id, m.minute).where(feb).limit(1)).one()
        c.execute(
            update(schema.activity_minutes)
            .where(m.person_id == person, m.minute == minute)
            .values(key_presses=m.key_presses + 7)
        )
    changed = _export(granted_env, "--to", lake_url)
    assert changed["written"] == {"activity_minutes": ["2026-02"]}
    assert changed["rows_written"] > 0
    assert (
        polars_frame(lake_url, "activity_minutes")["key_presses"].sum()
        == (_database_totals(url)["activity_minutes"][2])
    )
    # A month that no longer holds rows (purged) disappears from the lake.
    jan = m.minute < 1769904000
    with engine.begin() as c:
        c.execute(delete(schema.activity_minutes).where(jan))
    engine.dispose()
    purged = _export(granted_env, "--to", lake_url)
    assert purged["deleted"] == {"activity_minutes": ["2026-01"]}
    frame = polars_frame(lake_url, "activity_minutes")
    assert sorted(frame["month"].unique()) == ["2026-02", "2026-03"]
    assert frame.height == _database_totals(url)["activity_minutes"][0]


def test_default_target_is_the_installations_store(granted_env: dict[str, str]) -> None:
    report = _export(granted_env)
    assert report["prefix"] == "lake/"
    assert report["months_written"] == 3 * (len(SUMS) + len(PUBLISHED_DATASETS))
    store = open_object_store(report["to"])
    keys = list(store.list_keys("lake/"))
    assert "lake/_manifest.json" in keys
    assert "lake/activity_minutes/month=2026-02/part-00000.parquet" in keys
    manifest = json.loads(store.get("lake/_manifest.json"))
    assert manifest["datasets"]["activity_minutes"]["2026-02"]["parts"] == 1
    frame = pl.read_parquet(store.get("lake/app_daily/month=2026-01/part-00000.parquet"))
    assert frame.columns == ["person_id", "day", "app", "seconds"]


def test_bad_target_is_one_line(demo_env: dict[str, str]) -> None:
    result = traq("export", "parquet", "--to", "ftp://somewhere/lake", env=demo_env)
    assert_one_line_error(
        result, "traq export: error:", "--to must be file:///path or s3://bucket/prefix"
    )
    missing = traq("export", "parquet", env={"TRAQ_DATA_DIR": "/nonexistent/traq"})
    assert_one_line_error(missing, "traq export: error:", "traq init")


def test_broken_manifest_is_one_line_and_full_rewrites(granted_env: dict[str, str]) -> None:
    report = _export(granted_env)
    store = open_object_store(report["to"])
    store.put("lake/_manifest.json", b"{garbage")
    result = traq("export", "parquet", env=analyst_of(granted_env)[1])
    assert_one_line_error(result, "traq export: error:", "manifest", "--full")
    rewritten = _export(granted_env, "--full")
    assert rewritten["months_written"] == 3 * (len(SUMS) + len(PUBLISHED_DATASETS))
    assert rewritten["months_unchanged"] == 0
    assert json.loads(store.get("lake/_manifest.json"))["format"] == "traqnext-lake/1"
