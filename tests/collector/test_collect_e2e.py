"""`traq collect` end to end: a real X display, real input, real storage."""

from __future__ import annotations

import argparse
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from collector.pipeline.watcher import DEFAULT_CHECK_INTERVAL
from collector.run import CollectorConfig
from storage.db import schema
from tests.collector import cli
from tests.collector.helpers import Background, capturing, wait_until
from tests.collector.install import Install, installation
from tests.collector.x11 import OpenWindow, xdotool
from tests.traq.cli import assert_one_line_error
from traq.commands import collect_cmd

pytestmark = pytest.mark.usefixtures("window_manager")


@pytest.fixture
def install(tmp_path: Path) -> Iterator[Install]:
    with installation(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}") as inst:
        yield inst


def make_secret() -> str:
    """30 characters, letters (never hex digits a-f) alternating with digits.

    Every 4-character run then mixes letters and digits, which no English word, SQL
    keyword or hex id in our files contains, so a hit can only be a leak.
    """
    letters, digits = "ghjkmnpqrstuvwxyz", "0123456789"
    return "".join(secrets.choice(letters if i % 2 == 0 else digits) for i in range(30))


def focus(window: int) -> None:
    xdotool("windowactivate", "--sync", str(window))


def leaks(data: bytes, secret: str) -> list[str]:
    runs = {secret[i : i + 4] for i in range(len(secret) - 3)}
    return sorted(run for run in runs if run.encode() in data)


def test_typed_secret_is_counted_and_stored_nowhere(
    install: Install, open_window: OpenWindow, tmp_path: Path
) -> None:
    pseudonym = install.add_person()
    focus(open_window("Notes", "NotesApp"))
    secret = make_secret()
    child = cli.start(
        "--json", "--subject", pseudonym, "--duration", "12", "--screenshot-interval", "2",
        "--flush-interval", "1", "--upload-interval", "1", env=install.env,
    )  # fmt: skip
    wait_until(lambda: capturing(install.spool_dir), 30, "capture to start")
    xdotool("type", "--delay", "40", secret)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    summary = cli.summary(out)
    assert summary["key_presses"] == len(secret)
    assert summary["screenshots"] >= 2 and summary["pending"] == 0
    assert not leaks(out.encode() + err.encode(), secret)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert not leaks(path.read_bytes(), secret), path.name
    vault = install.vault()
    with install.engine.connect() as connection:
        for table in schema.PERSON_SERIES:
            for row in connection.execute(select(table)):
                assert not leaks(repr(tuple(row)).encode(), secret), table.name
        titles = connection.execute(select(schema.app_spans.c.title_ct)).scalars().all()
        keys = connection.execute(select(schema.screenshots.c.object_key)).scalars().all()
    opened = [vault.open(ct) for ct in titles if ct is not None]
    opened += [vault.open(install.objects.get(key), object_id=key) for key in keys]
    assert len(opened) >= 3
    assert not [leaks(plain, secret) for plain in opened if leaks(plain, secret)]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_switching_between_two_windows_yields_two_spans_with_their_titles(
    database: str, tmp_path: Path, open_window: OpenWindow, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'traq.db'}"
        if database == "sqlite"
        else request.getfixturevalue("pg_schema_url")
    )
    titles = {"AlphaApp": "Quarterly plan \u2013 draft \u270e", "BetaApp": "Inbox (3) — Mail"}
    windows = {app: open_window(title, app) for app, title in titles.items()}
    with installation(tmp_path, url) as install:
        pseudonym = install.add_person()
        focus(windows["AlphaApp"])
        run = Background(install.config(subject=pseudonym, flush_interval=1.0))
        run.wait_capturing()
        for app in ("AlphaApp", "BetaApp"):
            focus(windows[app])
            xdotool("type", "--delay", "100", "hello world")
            time.sleep(1.5)
        summary = run.stop()
        with install.engine.connect() as connection:
            spans = connection.execute(
                select(schema.app_spans).order_by(schema.app_spans.c.start_ts)
            ).all()
        assert [s.app for s in spans] == ["AlphaApp", "BetaApp"]
        assert spans[0].end_ts <= spans[1].start_ts
        vault = install.vault()
        for span in spans:
            title = vault.open(span.title_ct, object_id=f"{pseudonym}/title").decode()
            assert title == titles[span.app]
        assert summary.spans == 2 and summary.key_presses == 22
    for path in tmp_path.rglob("*"):  # sealed before the spool: no plaintext title anywhere
        if path.is_file():
            data = path.read_bytes()
            assert not [t for t in titles.values() if t.encode() in data], path.name


def test_policy_changes_apply_at_the_next_check(install: Install, open_window: OpenWindow) -> None:
    pseudonym = install.add_person()
    focus(open_window("Blur", "BlurApp"))
    config = install.config(
        subject=pseudonym, screenshot_interval=1.0, check_interval=1.0, upload_interval=1.0
    )
    run = Background(config)
    run.wait_capturing()
    wait_until(lambda: _shots(install, blurred=False) >= 1, 30, "a clear screenshot")
    install.set_policy("screenshot_blur", True)
    wait_until(lambda: _shots(install, blurred=True) >= 1, 30, "a blurred screenshot")
    run.stop()
    with install.engine.connect() as connection:
        rows = connection.execute(
            select(schema.screenshots).order_by(schema.screenshots.c.taken_at)
        ).all()
    flags = [row.blurred for row in rows]
    assert flags == sorted(flags)  # clear ones first, blurred once the policy said so
    image = install.vault().open(install.objects.get(rows[-1].object_key))
    assert image[:3] == b"\xff\xd8\xff" and rows[-1].width == 960  # a JPEG, halved


def test_an_idle_stretch_is_a_span_the_employee_can_review(
    install: Install, open_window: OpenWindow
) -> None:
    pseudonym = install.add_person()
    install.set_policy("idle_threshold_seconds", 2)
    focus(open_window("Idle", "IdleApp"))
    run = Background(install.config(subject=pseudonym, flush_interval=1.0), duration=30)
    run.wait_capturing()
    xdotool("type", "--delay", "40", "busy")
    time.sleep(6)  # no input: idle from the last key on
    xdotool("type", "--delay", "40", "back")
    time.sleep(2)
    summary = run.stop()
    with install.engine.connect() as connection:
        spans = connection.execute(
            select(schema.app_spans).order_by(schema.app_spans.c.start_ts)
        ).all()
    apps = [span.app for span in spans]
    assert "(idle)" in apps and apps[-1] == "IdleApp"
    idle = max((s for s in spans if s.app == "(idle)"), key=lambda s: s.end_ts - s.start_ts)
    assert idle.title_ct is None and idle.end_ts - idle.start_ts >= 4
    assert summary.seconds_tracked > summary.seconds_active


def _shots(install: Install, *, blurred: bool) -> int:
    with install.engine.connect() as connection:
        rows = connection.execute(
            select(schema.screenshots.c.taken_at).where(schema.screenshots.c.blurred == blurred)
        )
        return len(rows.all())


def test_withdrawn_consent_stops_capture_within_the_check_interval(install: Install) -> None:
    assert DEFAULT_CHECK_INTERVAL == 60.0
    assert CollectorConfig(install.settings, install.spool_dir).check_interval == 60.0
    parser = argparse.ArgumentParser()
    collect_cmd.register(parser.add_subparsers())
    assert parser.parse_args(["collect"]).check_interval == 60.0
    pseudonym = install.add_person()
    run = Background(install.config(subject=pseudonym, check_interval=1.0), duration=60)
    run.wait_capturing()
    install.set_consent(pseudonym, "withdrawn")
    withdrawn_at = time.monotonic()
    summary = run.join(timeout=30)
    assert time.monotonic() - withdrawn_at < 5
    assert summary.stop_reason == "consent_withdrawn"
    again = Background(install.config(subject=pseudonym), duration=30).join()
    assert again.stop_reason == "consent_withdrawn" and again.seconds_tracked == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"consent": "withdrawn"}, "consent_withdrawn"), ({"objected": True}, "objection")],
)
def test_traq_collect_ends_at_the_next_check_after_a_withdrawal_or_objection(
    install: Install, change: dict[str, object], reason: str
) -> None:
    pseudonym = install.add_person()
    # No --duration: only the withdrawal or objection can end this run.
    child = cli.start(
        "--json", "--subject", pseudonym, "--check-interval", "1", "--flush-interval", "1",
        env=install.env,
    )  # fmt: skip
    wait_until(lambda: capturing(install.spool_dir), 30, "capture to start")
    install.set_person(pseudonym, **change)
    changed_at = time.monotonic()
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert time.monotonic() - changed_at < 10  # one check interval, plus a busy machine
    summary = cli.summary(out)
    assert summary["stop_reason"] == reason and summary["pending"] == 0
    assert summary["seconds_tracked"] >= 1  # what was captured before is kept and uploaded
    again = cli.run("--json", "--duration", "5", env=install.env)
    assert cli.summary(again.stdout)["stop_reason"] == reason  # a new run does not start
    assert cli.summary(again.stdout)["seconds_tracked"] == 0


def test_restriction_stops_screenshots_but_activity_is_still_captured(
    install: Install, open_window: OpenWindow
) -> None:
    pseudonym = install.add_person()
    install.set_person(pseudonym, restricted=True)
    focus(open_window("Restricted", "RestrictedApp"))
    options = {"subject": pseudonym, "screenshot_interval": 1.0, "flush_interval": 1.0}
    run = Background(install.config(**options), duration=6)
    run.wait_capturing()
    xdotool("type", "--delay", "40", "still counted")
    restricted = run.join()
    assert restricted.screenshots == 0 and restricted.key_presses == len("still counted")
    assert _shots(install, blurred=False) == 0
    install.set_person(pseudonym, restricted=False)
    lifted = Background(install.config(**options), duration=4).join()
    assert lifted.screenshots >= 1 and _shots(install, blurred=False) == lifted.screenshots


def test_no_screenshot_while_a_filtered_window_is_active(
    install: Install, open_window: OpenWindow
) -> None:
    pseudonym = install.add_person()
    private = open_window("Plans \u2014 Mozilla Firefox Private Browsing", "PrivateFox")
    bank = open_window("Accounts - My Bank", "BankApp")
    options = {"subject": pseudonym, "screenshot_interval": 1.0, "flush_interval": 1.0}
    for window in (private, bank):  # the default policy drops one and redacts the other
        focus(window)
        summary = Background(install.config(**options), duration=5).join()
        assert summary.seconds_tracked >= 3 and summary.screenshots == 0
    with install.engine.connect() as connection:
        spans = connection.execute(select(schema.app_spans)).all()
        shots = connection.execute(select(schema.screenshots)).all()
    assert shots == [] and list(install.objects.list_keys()) == []
    assert [(s.app, s.title_ct) for s in spans] == [("BankApp", None)]  # private: dropped


def _paused_then_resumed(
    install: Install, pseudonym: str, resume: Callable[[], None], **options: float
) -> None:
    """Type while paused, resume, type again: only the second word counts as work."""
    run = Background(install.config(subject=pseudonym, flush_interval=1.0, **options), duration=30)
    wait_until(lambda: (install.spool_dir / "spool.db").exists(), 30, "the spool")
    time.sleep(3)
    xdotool("type", "--delay", "40", "unseen")
    time.sleep(1.5)
    resume()
    run.wait_capturing()
    xdotool("type", "--delay", "40", "seen")
    time.sleep(1.5)
    summary = run.stop()
    assert summary.key_presses == 4
    assert summary.seconds_paused >= 3
    assert 0 < summary.seconds_tracked < summary.seconds_run - 3


def test_pause_flag_stops_capture_and_work_time(install: Install, open_window: OpenWindow) -> None:
    pseudonym = install.add_person()
    focus(open_window("Paused", "PauseApp"))
    install.spool_dir.mkdir(parents=True)
    (install.spool_dir / "paused").touch()
    _paused_then_resumed(install, pseudonym, (install.spool_dir / "paused").unlink)


def test_a_pause_from_the_workbench_stops_capture_and_work_time(
    install: Install, open_window: OpenWindow
) -> None:
    pseudonym = install.add_person()
    focus(open_window("Paused remotely", "PauseApp"))

    def pause(paused: bool) -> None:
        with install.engine.begin() as connection:
            connection.execute(
                update(schema.people)
                .where(schema.people.c.pseudonym == pseudonym)
                .values(tracking_paused=paused)
            )

    pause(True)
    _paused_then_resumed(install, pseudonym, lambda: pause(False), check_interval=0.5)


def test_sigterm_ends_cleanly_with_a_summary(install: Install) -> None:
    pseudonym = install.add_person()
    child = cli.start("--json", "--subject", pseudonym, "--flush-interval", "1", env=install.env)
    wait_until(lambda: capturing(install.spool_dir), 30, "capture to start")
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    summary = cli.summary(out)
    assert summary["stop_reason"] == "stopped" and summary["pending"] == 0
    assert set(summary) >= {
        "seconds_run", "key_presses", "mouse_clicks", "screenshots", "spans", "uploaded",
        "pending", "stop_reason",
    }  # fmt: skip


def test_without_json_one_human_line(install: Install) -> None:
    pseudonym = install.add_person()
    result = cli.run("--subject", pseudonym, "--duration", "2", env=install.env)
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.strip().splitlines()
    assert line.startswith("collected ") and "stopped: duration" in line


def test_no_display_is_a_one_line_error(install: Install) -> None:
    pseudonym = install.add_person()
    env = {**install.env, "DISPLAY": ""}
    result = subprocess.run(
        cli.command("--subject", pseudonym, "--duration", "2"),
        env={**cli.child_env(env)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_one_line_error(result, "traq collect: error:", "display")


def test_unreachable_storage_at_start_is_not_fatal_for_a_known_device(install: Install) -> None:
    pseudonym = install.add_person()
    first = cli.run("--json", "--subject", pseudonym, "--duration", "2", env=install.env)
    assert first.returncode == 0, first.stderr
    offline = {**install.env, "TRAQ_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/gone"}
    args = ("--json", "--duration", "3", "--flush-interval", "1", "--upload-interval", "1")
    result = cli.run(*args, env=offline)
    assert result.returncode == 0, result.stderr
    summary = cli.summary(result.stdout)
    assert summary["seconds_tracked"] >= 2 and summary["pending"] >= 1
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("traq collect: warning: ") for line in lines)
    back = cli.run("--json", "--duration", "1", env=install.env)
    assert cli.summary(back.stdout)["pending"] == 0


def test_a_first_run_with_unreachable_storage_is_a_one_line_error(tmp_path: Path) -> None:
    env = {
        "TRAQ_DATA_DIR": str(tmp_path),
        "TRAQ_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/gone",
    }
    result = cli.run("--duration", "1", env=env)
    assert_one_line_error(result, "traq collect: error:", "first run needs storage")
