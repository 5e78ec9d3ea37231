"""`traq import activitywatch` through the real CLI, over SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from storage.db import schema
from tests.collector.install import Install, installation
from tests.imports.samples import EXPECTED_MINUTES, EXPECTED_SPANS, T0, export
from tests.traq.cli import assert_one_line_error, traq

COUNTED = ("activity_minutes", "app_spans", "devices", "activity_10min", "activity_daily",
           "app_daily", "audit_log", "quarantined_batches")  # fmt: skip


@pytest.fixture
def install(tmp_path: Path, database_url: str) -> Iterator[Install]:
    """An initialised installation (folder object store) on each database."""
    with installation(tmp_path, database_url) as found:
        yield found


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return {
            name: int(
                c.execute(select(func.count()).select_from(getattr(schema, name))).scalar_one()
            )
            for name in COUNTED
        }


def _import(install: Install, path: Path, subject: str) -> Any:
    return traq(
        "import", "activitywatch", str(path), "--subject", subject, "--json", env=install.env
    )


@pytest.mark.parametrize("style", ["python", "rust"])
def test_import_maps_every_bucket_and_is_idempotent(
    install: Install, tmp_path: Path, style: str
) -> None:
    subject = install.add_person("Europe/Paris")
    path = tmp_path / "aw-export.json"
    path.write_bytes(export(style))
    first = _import(install, path, subject)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["minutes_written"] == len(EXPECTED_MINUTES)
    assert report["spans_written"] == len(EXPECTED_SPANS)
    assert report["skipped_buckets"] == 1  # the editor watcher's bucket
    vault = install.vault()
    with install.engine.connect() as c:
        spans = c.execute(select(schema.app_spans).order_by(schema.app_spans.c.start_ts)).all()
        got = [
            (s.start_ts - T0, s.end_ts - T0, s.app, s.site,
             None if s.title_ct is None else vault.open(s.title_ct).decode())
            for s in spans
        ]  # fmt: skip
        assert got == EXPECTED_SPANS  # titles sealed to the person's key, opened by the vault
        minutes = c.execute(select(schema.activity_minutes)).all()
        assert {
            m.minute - T0: (
                m.active_seconds,
                m.key_presses,
                m.mouse_clicks,
                m.mouse_moves,
                m.scrolls,
            )
            for m in minutes
        } == EXPECTED_MINUTES
        device = c.execute(select(schema.devices)).one()
        assert (device.name, device.platform) == ("laptop-7", "activitywatch")
        slot = c.execute(select(schema.activity_10min)).one()  # rollups refreshed
        assert (slot.tracked_seconds, slot.active_seconds, slot.key_presses) == (600, 540, 15)
        apps = dict(c.execute(select(schema.app_daily.c.app, schema.app_daily.c.seconds)).all())
        assert apps == {"Code": 360, "github.com": 180}  # idle is time away, not an app
    before = _counts(install.engine)
    second = _import(install, path, subject)
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["minutes_written"] == again["spans_written"] == 0
    assert _counts(install.engine) == before  # importing twice changes nothing


def _bad_files(tmp_path: Path) -> list[tuple[Path, str]]:
    good = json.loads(export("rust"))
    late_error = json.loads(export("rust"))
    late_error["buckets"]["aw-watcher-input_laptop-7"]["events"][-1]["timestamp"] = "noon"
    too_many = json.loads(export("python"))
    too_many["buckets"]["aw-watcher-input_laptop-7"]["events"][0]["data"]["presses"] = 99_999
    cases = [
        (b'{"buckets": ', "invalid JSON"),
        (json.dumps({"bucket": good["buckets"]}).encode(), "expected"),
        (json.dumps(late_error).encode(), "timestamp is not ISO 8601"),
        (
            json.dumps(too_many).encode(),
            "activity_minutes failed its data contract: key_presses range",
        ),
    ]
    paths = []
    for index, (raw, reason) in enumerate(cases):
        path = tmp_path / f"bad-{index}.json"
        path.write_bytes(raw)
        paths.append((path, reason))
    return paths


def test_a_bad_file_imports_nothing_and_says_why(install: Install, tmp_path: Path) -> None:
    subject = install.add_person()
    before = _counts(install.engine)
    for path, reason in _bad_files(tmp_path):
        result = _import(install, path, subject)
        assert_one_line_error(result, "traq import: error:", reason)
        assert _counts(install.engine) == before, reason  # not even the device row


def test_refused_subjects_and_files(install: Install, tmp_path: Path) -> None:
    path = tmp_path / "aw.json"
    path.write_bytes(export("python"))
    withdrawn = install.add_person()
    install.set_consent(withdrawn, "withdrawn")
    before = _counts(install.engine)
    result = _import(install, path, withdrawn)
    assert_one_line_error(result, "withdrew consent", "nothing imported")
    unknown = _import(install, path, "s_0123456789abcdef")
    assert_one_line_error(unknown, "no person with pseudonym s_0123456789abcdef")
    missing = _import(install, tmp_path / "missing.json", withdrawn)
    assert_one_line_error(missing, "cannot read", "No such file")
    usage = traq("import", "activitywatch", str(path), env=install.env)
    assert_one_line_error(usage, "--subject")
    assert _counts(install.engine) == before


def _earlier(style: str) -> bytes:
    """The same history exported 30 s earlier: the last window and not-AFK events stop at
    570 s, while the later export has them run to 600 s."""
    document = json.loads(export(style))
    buckets = document["buckets"]
    buckets["aw-watcher-window_laptop-7"]["events"][0]["duration"] = 30.0  # newest first
    buckets["aw-watcher-afk_laptop-7"]["events"][0]["duration"] = 90.0
    return json.dumps(document).encode()


def _stored(install: Install) -> tuple[list[tuple[Any, ...]], dict[int, int]]:
    with install.engine.connect() as c:
        spans = c.execute(
            select(
                schema.app_spans.c.start_ts, schema.app_spans.c.end_ts, schema.app_spans.c.app
            ).order_by(schema.app_spans.c.start_ts)
        ).all()
        minutes = c.execute(
            select(schema.activity_minutes.c.minute, schema.activity_minutes.c.active_seconds)
        ).all()
    return [(s - T0, e - T0, app) for s, e, app in spans], {m - T0: a for m, a in minutes}


def test_a_newer_export_replaces_what_the_earlier_one_wrote(
    install: Install, tmp_path: Path
) -> None:
    subject = install.add_person("Europe/Paris")
    earlier, later = tmp_path / "earlier.json", tmp_path / "later.json"
    earlier.write_bytes(_earlier("rust"))
    later.write_bytes(export("rust"))
    first = _import(install, earlier, subject)
    assert first.returncode == 0, first.stderr
    spans, minutes = _stored(install)
    assert spans[-1] == (540, 570, "Code") and minutes[540] == 30
    second = _import(install, later, subject)
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert (report["spans_replaced"], report["minutes_replaced"]) == (1, 1)
    assert (report["spans_written"], report["minutes_written"]) == (1, 1)
    spans, minutes = _stored(install)
    assert spans == [(s, e, app) for s, e, app, _, _ in EXPECTED_SPANS]
    assert minutes == {m: row[0] for m, row in EXPECTED_MINUTES.items()}
    with install.engine.connect() as c:
        slot = c.execute(select(schema.activity_10min)).one()  # rollups follow the new rows
        assert slot.active_seconds == 540
    before = _counts(install.engine)
    again = json.loads(_import(install, later, subject).stdout)
    assert again["spans_written"] == again["minutes_written"] == again["spans_replaced"] == 0
    assert again["minutes_replaced"] == 0 and _counts(install.engine) == before


def test_the_summary_line_says_what_the_privacy_filters_dropped(
    install: Install, tmp_path: Path
) -> None:
    subject = install.add_person()
    document = json.loads(export("python"))
    window = document["buckets"]["aw-watcher-window_laptop-7"]["events"]
    window[1]["data"]["title"] = "Private Browsing"  # the Firefox window, 300-540 s
    path = tmp_path / "private.json"
    path.write_text(json.dumps(document))
    result = traq("import", "activitywatch", str(path), "--subject", subject, env=install.env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "laptop-7: active time from AFK watcher" in lines[1]
    assert lines[2].startswith("  dropped by privacy_filters[0] drop title")
    assert lines[2].endswith(": 180 s of active window time")  # 300-420 and 480-540
