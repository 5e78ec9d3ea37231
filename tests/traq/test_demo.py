"""`traq demo` end to end, over SQLite and PostgreSQL: content, rollups, crypto, determinism."""

from __future__ import annotations

import io
import itertools
import os
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import psycopg
import pytest
from PIL import Image
from sqlalchemy import func, select

from storage.accounts import verify_password
from storage.config import load_settings
from storage.db import schema
from storage.facade import Storage, open_storage
from storage.policies import DEFAULT_POLICIES
from storage.rollups import IDLE_APP, rebuild_all_rollups
from traq.demo.apps import CATALOGUE, CATEGORIES
from traq.demo.org import build_organisation
from traq.demo.schedule import Period, working_sessions
from traq.demo.simulate import Policy, simulate
from traq.main import main

DEMO = ["demo", "--employees", "12", "--days", "5", "--seed", "7", "--end", "2026-03-31"]
# Europe moves its clocks on Sunday 29 March 2026: the demo's five days straddle it.
# Signatures with the bytes that follow them: three bytes alone (JPEG's ff d8 ff) turn up by
# chance in a few megabytes of ciphertext.
IMAGE_SIGNATURES = re.compile(rb"\x89PNG\r\n\x1a\n|\xff\xd8\xff[\xc0-\xfe]\x00|RIFF.{4}WEBP", re.S)
# Random by design (key material, ciphertext) or set by `traq init` at the time it ran.
IGNORED = {
    "subject_keys": {"key_id", "public_key", "wrapped_private", "master_key_id"},
    "app_spans": {"title_ct"}, "screenshots": {"key_id"}, "users": {"password_hash"},
    "policies": {"updated_at"},
    "installation": {"created_at", "master_key_id", "installation_id"},
    "key_epochs": {"master_key_id", "master_key_ref", "replaced_ref", "wrapped_kek", "created_at"},
    "publication_days": {"published_at"},
}  # fmt: skip


@dataclass
class Installed:
    """An initialised installation with the demo in it, and what the demo printed."""

    env: dict[str, str]
    out: str
    err: str
    storage: Storage

    def rows(self, table: schema.Table) -> list[Any]:
        return rows(self.storage, table)

    def zones(self) -> dict[int, ZoneInfo]:
        return {p.id: ZoneInfo(p.timezone) for p in self.rows(schema.people)}


Installer = Callable[[Path, str], Installed]


@pytest.fixture
def installer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Installer]:
    """Runs `traq init` then the demo in a data folder and database; closes them after."""
    made: list[Installed] = []

    def install(data_dir: Path, database_url: str) -> Installed:
        env = {"TRAQ_DATA_DIR": str(data_dir), "TRAQ_DATABASE_URL": database_url}
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert main(["init"]) == 0
        capsys.readouterr()
        status, captured = main(DEMO), capsys.readouterr()
        assert status == 0, captured.err
        made.append(Installed(env, captured.out, captured.err, open_storage(load_settings(env))))
        return made[-1]

    yield install
    for installed in made:
        installed.storage.close()


@pytest.fixture
def demo(installer: Installer, database_url: str, tmp_path: Path) -> Installed:
    """The 12-person, 5-day demo in a fresh installation, on each backend."""
    return installer(tmp_path / "data", database_url)


@pytest.fixture
def other_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database on the same backend as ``database_url``."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.db'}"
        return
    dsn = database_url.partition("?")[0]
    name = f"tq_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    yield f"{dsn}?options=-csearch_path%3D{name}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{name}" CASCADE')


def rows(storage: Storage, table: schema.Table) -> list[Any]:
    with storage.engine.connect() as connection:
        return list(connection.execute(select(table)).all())


def keyed(demo: Installed, table: schema.Table, names: str, width: int = 2) -> dict[Any, Any]:
    """Rows of ``names`` (space-separated), the first ``width`` of them as the key."""
    with demo.storage.engine.connect() as connection:
        found = connection.execute(select(*(table.c[n] for n in names.split()))).all()
    return {tuple(row[:width]): tuple(row[width:]) for row in found}


def snapshot(storage: Storage) -> dict[str, Any]:
    """Every table's rows but random bytes, with titles and screenshots decrypted."""
    tables: dict[str, Any] = {}
    for table in schema.metadata.sorted_tables:
        keep = [c for c in table.c if c.name not in IGNORED.get(table.name, set())]
        with storage.engine.connect() as connection:
            found = connection.execute(select(*keep)).all()
        tables[table.name] = sorted(tuple(map(repr, row)) for row in found)
    tables["titles"] = sorted(
        (row.person_id, row.start_ts, storage.vault.open(row.title_ct))
        for row in rows(storage, schema.app_spans)
        if row.title_ct is not None
    )
    tables["pixels"] = sorted(
        (row.object_key, storage.vault.open(storage.objects.get(row.object_key)))
        for row in rows(storage, schema.screenshots)
    )
    return tables


def test_same_seed_and_end_give_the_same_database(
    demo: Installed, installer: Installer, other_database_url: str, tmp_path: Path
) -> None:
    again = installer(tmp_path / "again", other_database_url)
    one, two = snapshot(demo.storage), snapshot(again.storage)
    assert one["people"] and one["activity_minutes"] and one["pixels"]
    assert one == two


def simulated(seed: int, backwards: bool = False) -> list[Any]:
    people = build_organisation(seed, 12).people
    period, policy = Period(date(2026, 3, 31), 5), Policy(2, 600, 120, 300)
    sims = [simulate(p, period, seed, policy) for p in (people[::-1] if backwards else people)]
    arrays = [(s.minutes.minute, s.minutes.key_presses, s.spans.start, s.shot_times) for s in sims]
    return [np.concatenate(a) for a in (arrays[::-1] if backwards else arrays)]


def test_a_different_seed_gives_different_data() -> None:
    assert build_organisation(7, 12).people != build_organisation(8, 12).people
    assert not np.array_equal(simulated(7)[0][:50], simulated(8)[0][:50])


def test_generation_order_does_not_matter() -> None:
    for forwards, backwards in zip(simulated(7), simulated(7, backwards=True), strict=True):
        assert np.array_equal(forwards, backwards)


def test_catalogue_matches_the_category_policies() -> None:
    rated, named = (
        DEFAULT_POLICIES["category_ratings"]["default"],
        DEFAULT_POLICIES["app_categories"],
    )
    assert set(CATEGORIES) == set(rated) == {entry.category for entry in CATALOGUE}
    assert all(named[entry.site or str(entry.app)] == entry.category for entry in CATALOGUE)


def test_no_object_is_an_image_in_the_clear_and_every_screenshot_opens(demo: Installed) -> None:
    root = Path(demo.env["TRAQ_DATA_DIR"]) / "objects"
    stored = [(Path(d) / f).read_bytes() for d, _, names in os.walk(root) for f in names]
    shots = demo.rows(schema.screenshots)
    assert len(shots) == len(list(demo.storage.objects.list_keys("subjects/"))) > 0
    headers = set()
    for shot in shots:
        sealed = demo.storage.objects.get(shot.object_key)
        assert shot.size_bytes == len(sealed) and not shot.blurred
        plain = demo.storage.vault.open(sealed, object_id=shot.object_key)
        headers.add(plain[:32])
        with Image.open(io.BytesIO(plain)) as image:
            image.load()
            assert image.size == (shot.width, shot.height)
    for data in stored:
        assert not IMAGE_SIGNATURES.search(data)
        assert not any(header in data for header in headers)


def test_every_person_has_a_wrapped_subject_key(demo: Installed) -> None:
    keys = demo.rows(schema.subject_keys)
    master = demo.rows(schema.installation)[0].master_key_id
    people = {row.id for row in demo.rows(schema.people)}
    assert {key.person_id for key in keys} == people and len(keys) == len(people)
    assert all(key.wrapped_private and key.master_key_id == master for key in keys)
    by_person = {key.person_id: key.key_id for key in keys}
    assert all(s.key_id == by_person[s.person_id] for s in demo.rows(schema.screenshots))


def sums_of_minutes(demo: Installed) -> Iterator[dict[Any, tuple[int, ...]]]:
    """activity_10min and activity_daily recomputed from the minute rows, in plain Python."""
    zones = demo.zones()
    slots: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    days: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 1 << 62, 0])
    for m in demo.rows(schema.activity_minutes):
        slot = slots[(m.person_id, m.minute - m.minute % 600)]
        day = days[(m.person_id, local_day(m.minute, zones[m.person_id]))]
        for total in (slot, day):
            total[:4] = np.add(total[:4], (60, m.active_seconds, m.key_presses, m.mouse_clicks))
        day[4], day[5] = min(day[4], m.minute), max(day[5], m.minute)
    return ({k: tuple(map(int, v)) for k, v in found.items()} for found in (slots, days))


def test_rollups_equal_the_sums_of_minute_rows(demo: Installed) -> None:
    slots, days = sums_of_minutes(demo)
    sums = "tracked_seconds active_seconds key_presses mouse_clicks"
    assert slots and slots == keyed(demo, schema.activity_10min, f"person_id slot_start {sums}")
    stored_days = keyed(demo, schema.activity_daily, f"person_id day {sums} first_ts last_ts")
    assert days and days == stored_days


def test_app_daily_equals_span_durations_per_local_day(demo: Installed) -> None:
    zones = demo.zones()
    per_app: dict[tuple[int, date, str], int] = defaultdict(int)
    for s in demo.rows(schema.app_spans):
        if s.app != IDLE_APP:  # time away: no application's
            day = local_day(s.start_ts, zones[s.person_id])
            per_app[(s.person_id, day, s.site or s.app)] += s.end_ts - s.start_ts
    stored = keyed(demo, schema.app_daily, "person_id day app seconds", width=3)
    assert per_app and {k: (v,) for k, v in per_app.items()} == stored


def test_rollups_are_those_ingest_computes(demo: Installed) -> None:
    tables = (schema.activity_10min, schema.activity_daily, schema.app_daily)
    written = [sorted(demo.rows(table)) for table in tables]
    rebuild_all_rollups(demo.storage.engine)
    assert written == [sorted(demo.rows(table)) for table in tables]


def local_day(ts: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(ts, zone).date()


def test_minutes_are_aligned_and_follow_local_working_hours(demo: Installed) -> None:
    zones = demo.zones()
    first: dict[tuple[int, date], datetime] = {}
    for m in demo.rows(schema.activity_minutes):
        assert m.minute % 60 == 0 and 0 <= m.active_seconds <= 60
        if m.active_seconds == 0:
            assert m.key_presses == m.mouse_clicks == m.mouse_moves == m.scrolls == 0
        local = datetime.fromtimestamp(m.minute, zones[m.person_id])
        assert local.weekday() < 5, "nobody works at weekends"
        key = (m.person_id, local.date())
        first[key] = min(first.get(key, local), local)
    assert all(6 <= start.hour < 11 for start in first.values())
    worked = {day for _, day in first}
    assert date(2026, 3, 27) in worked and date(2026, 3, 30) in worked  # DST in between
    spans = demo.rows(schema.app_spans)
    assert all(s.end_ts > s.start_ts for s in spans)
    assert {s.site for s in spans if s.site} and IDLE_APP in {s.app for s in spans}
    assert all((s.title_ct is None) == (s.app == IDLE_APP) for s in spans)


def test_teams_have_groups_above_and_below_the_privacy_threshold(demo: Installed) -> None:
    sizes: dict[int, int] = defaultdict(int)
    for person in demo.rows(schema.people):
        sizes[person.team_id] += 1
        assert re.fullmatch(r"s_[0-9a-f]{16}", person.pseudonym)
    assert sum(size >= 5 for size in sizes.values()) >= 2
    assert any(size < 5 for size in sizes.values())
    assert len({p.timezone for p in demo.rows(schema.people)}) >= 2


def test_accounts_share_one_password_printed_once(demo: Installed) -> None:
    match = re.search(r"password \(shown once\): (\S+)", demo.out)
    assert match, demo.out
    password = match.group(1)
    assert demo.out.count(password) == 1 and password not in demo.err
    assert re.search(r"employees: [a-z]+\.[a-z]+ and 11 others", demo.out)
    assert re.search(r"^demo: 12 people in \d+ teams, [\d,]+ minute rows", demo.out, re.M)
    users = {u.username: u for u in demo.rows(schema.users)}
    assert users["sigrid.lindqvist"].role == "admin" and users["ilse.marchetti"].role == "dpo"
    assert verify_password(users["sigrid.lindqvist"].password_hash, password)
    for name in users:  # every account is a person's first.last, never a role's name
        assert re.fullmatch(r"[a-z-]+\.[a-z-]+\d*", name), name
    managers = {u.id for u in users.values() if u.role == "manager"}
    scoped = {m.user_id: m.team_id for m in demo.rows(schema.manager_teams)}
    assert set(scoped) == managers and set(scoped.values()) == {
        t.id for t in demo.rows(schema.teams)
    }
    employees = {u.person_id for u in users.values() if u.role == "employee"}
    assert employees == {p.id for p in demo.rows(schema.people)}


def test_a_second_demo_is_refused(demo: Installed, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(DEMO) == 1
    err = capsys.readouterr().err
    assert "already holds 12 people; use a fresh TRAQ_DATA_DIR" in err
    assert len(err.strip().splitlines()) == 1


def test_an_interrupted_demo_leaves_nothing_behind(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import traq.demo.run as run_module

    calls, write_series = itertools.count(1), run_module.write_series

    def write_then_stop(*args: Any) -> tuple[int, int]:
        if next(calls) == 4:  # Ctrl-C while the fourth person is being written
            raise KeyboardInterrupt
        return write_series(*args)

    monkeypatch.setattr(run_module, "write_series", write_then_stop)
    monkeypatch.setenv("TRAQ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRAQ_DATABASE_URL", database_url)
    assert main(["init"]) == 0
    assert main(DEMO) == 130
    with closing(open_storage()) as storage:
        for table in (schema.people, schema.teams, schema.subject_keys, schema.screenshots):
            assert rows(storage, table) == [], table.name
        assert rows(storage, schema.users) == []
        assert list(storage.objects.list_keys("subjects/")) == []


def test_bad_options_are_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    bad = (["--end", "2026-02-30"], ["--employees", "0"], ["--days", "401"], ["--seed", "x"])
    for argv in bad:
        with pytest.raises(SystemExit) as exit_info:
            main(["demo", *argv])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "error:" in err


def test_demo_needs_an_initialised_installation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRAQ_DATA_DIR", str(tmp_path))
    assert main(DEMO) == 1
    err = capsys.readouterr().err
    assert "traq init" in err and len(err.strip().splitlines()) == 1


def test_a_demo_ending_today_writes_nothing_after_the_moment_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRAQ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TRAQ_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRAQ_OBJECT_STORE", raising=False)
    assert main(["init"]) == 0
    # Four days always hold a weekday with work before today.
    assert main(["demo", "--employees", "12", "--days", "4", "--seed", "3"]) == 0, (
        capsys.readouterr().err
    )
    after = datetime.now().timestamp()
    storage = open_storage()
    try:
        with storage.engine.connect() as connection:
            last_minute = connection.scalar(select(func.max(schema.activity_minutes.c.minute)))
            last_span = connection.scalar(select(func.max(schema.app_spans.c.end_ts)))
            last_shot = connection.scalar(select(func.max(schema.screenshots.c.taken_at)))
    finally:
        storage.close()
    assert last_minute is not None and last_minute + 60 <= after
    assert last_span is not None and last_span <= after
    assert last_shot is None or last_shot <= after


def test_sessions_are_cut_at_the_moment_given() -> None:
    person = build_organisation(2, 8).people[0]
    whole = Period(date(2026, 3, 31), 3)
    sessions = working_sessions(person, whole, np.random.default_rng(1))
    assert len(sessions.start) >= 2
    moment = int((sessions.start[1] + sessions.end[1]) // 2) + 17  # inside the second session
    cut = working_sessions(person, Period(whole.end, whole.days, moment), np.random.default_rng(1))
    assert list(cut.start) == list(sessions.start[:2])
    assert cut.end[0] == sessions.end[0] and cut.end[1] == moment - moment % 60
