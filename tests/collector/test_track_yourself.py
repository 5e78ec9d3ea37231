"""Track yourself: `traq init`, the first `traq collect` without flags, then your day.

On an installation with nobody in it, the first run says what is collected, asks, and
creates the person (named after the OS account, in the system's time zone) with an employee
account; the workbench then shows that person's day to that account.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.first_run import system_timezone, usable_username
from storage.db import schema
from storage.os_accounts import running_os_account
from tests.collector import cli
from tests.collector.helpers import capturing, wait_until
from tests.collector.install import Install, installation
from tests.collector.x11 import OpenWindow, xdotool
from tests.traq.cli import ROOT, assert_one_line_error, traq

pytestmark = pytest.mark.usefixtures("window_manager")


@pytest.fixture
def install(tmp_path: Path) -> Iterator[Install]:
    with installation(tmp_path, f"sqlite:///{tmp_path / 'traq.db'}") as inst:
        yield inst


def _people(install: Install) -> int:
    with install.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(schema.people)).scalar_one())


def _collect(install: Install, answer: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli.command("--duration", "1"), cwd=ROOT, env=cli.child_env(install.env),
        input=answer, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_saying_no_or_nothing_creates_nobody_and_collects_nothing(install: Install) -> None:
    refused = _collect(install, "n\n")
    assert_one_line_error(refused, "you did not agree")
    assert "never which keys" in refused.stdout  # what would be collected was shown first
    assert_one_line_error(_collect(install, ""), "pass --yes")
    assert _people(install) == 0
    assert not list(install.spool_dir.glob("*.db")) or not capturing(install.spool_dir)


def test_the_first_collect_tracks_you_and_the_workbench_shows_your_day(
    install: Install, open_window: OpenWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = running_os_account()
    child = subprocess.Popen(
        cli.command("--duration", "8", "--flush-interval", "1", "--upload-interval", "1"),
        cwd=ROOT, env=cli.child_env(install.env), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdin is not None
    # As root here: "root" names a role, so the first run asks for a personal username.
    username = account.name if usable_username(account.name) is None else "ada.lovelace"
    child.stdin.write("y\n" if username == account.name else f"y\n{username}\n")
    child.stdin.close()
    child.stdin = None  # answered: communicate() below must not flush it
    xdotool("windowactivate", "--sync", str(open_window("Notes", "NotesApp")))
    wait_until(lambda: child.poll() is not None or capturing(install.spool_dir), 60, "capture")
    assert child.poll() is None, (child.stdout.read(), child.stderr.read())  # type: ignore[union-attr]
    xdotool("type", "--delay", "30", "hello world")
    out, err = child.communicate(timeout=90)
    assert child.returncode == 0, err

    found = re.search(r"one-time password \(shown once\): (\S+)", out)
    assert found, out
    with install.engine.connect() as connection:
        person = connection.execute(select(schema.people)).one()
        user = connection.execute(select(schema.users)).one()
        presses = connection.execute(
            select(func.sum(schema.activity_minutes.c.key_presses))
        ).scalar_one()
    assert person.timezone == system_timezone() and person.consent == "given"
    assert (user.username, user.role, user.person_id) == (username, "employee", person.id)
    assert user.os_user == account.name
    assert presses == len("hello world")

    # The same person, the second time: no question, no second person.
    again = _collect(install, None)
    assert again.returncode == 0, again.stderr
    assert "Start tracking" not in again.stdout and _people(install) == 1
    # `make run` after that: its demo steps aside instead of failing or mixing in strangers.
    demo = traq("demo", "--if-empty", "--employees", "2", "--days", "1", env=install.env)
    assert demo.returncode == 0 and "already has people" in demo.stdout, demo.stderr
    assert _people(install) == 1

    from tests.app.conftest import signed_in

    for name, value in install.env.items():
        monkeypatch.setenv(name, value)
    app = signed_in(username, found.group(1))
    assert app.title[0].value == "My day"
    shown = " ".join(str(m.value) for m in app.metric)
    assert app.metric and "No tracked time" not in " ".join(i.value for i in app.info), shown
