"""Issue 18's workflows in chromium, as people go through them.

- Track yourself: a fresh data folder, `traq init`, the first `traq collect` without flags on
  a terminal under Xvfb (its consent question answered there, real input from xdotool, Ctrl-C),
  then `traq app` and the person's own day.
- Connect a computer, Devices, the forced password change and My timesheet, on a private copy
  of the demo with `traq serve-ingest` beside the workbench.
"""

from __future__ import annotations

import csv
import re
import shlex
import shutil
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from services.first_run import usable_username
from storage.config import load_settings
from storage.db import schema
from storage.db.engine import open_engine
from storage.os_accounts import running_os_account
from tests.app.browser import chromium, free_port, grid_rows, serving, settle, shoot, sign_in
from tests.app.conftest import Demo, copy_installation
from tests.app.terminal import Terminal
from tests.collector import cli
from tests.collector.helpers import capturing, spool_query, wait_until
from tests.collector.x11 import OpenWindow, window_geometry, xdotool
from tests.traq.cli import ROOT, traq
from traq.demo.accounts import ADMIN

pytestmark = pytest.mark.slow
TYPED = "notes for the weekly report"
PERSONAL_NAME = "ada.lovelace"  # asked for when the OS account's name is a role's (root)


def _minutes(env: dict[str, str]) -> tuple[int, int, int]:
    """Minute rows, key presses and clicks stored in the installation ``env`` names."""
    engine = open_engine(load_settings(env).database_url)
    m = schema.activity_minutes.c
    try:
        with engine.connect() as connection:
            row = connection.execute(
                select(func.count(), func.sum(m.key_presses), func.sum(m.mouse_clicks))
            ).one()
    finally:
        engine.dispose()
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


def _spool_presses(spool: Path) -> int:
    rows = spool_query(spool, "SELECT COALESCE(SUM(key_presses), 0) FROM minutes")
    return int(rows[0][0]) if rows else 0


@pytest.mark.usefixtures("window_manager")
def test_track_yourself_from_a_fresh_folder_to_your_day_in_chromium(
    tmp_path: Path, open_window: OpenWindow
) -> None:
    env = {
        "TRAQ_DATA_DIR": str(tmp_path / "traq-data"),
        "TRAQ_MASTER_KEY_FILE": str(tmp_path / "keys" / "master.key"),  # outside the folder
    }
    init = traq("init", env=env)
    assert init.returncode == 0, init.stderr

    terminal = Terminal(cli.command(), cli.child_env(env), ROOT)  # `traq collect`, no flags
    try:
        shown = terminal.read_until("Start tracking yourself? [y/N]")
        assert "never which keys" in shown  # what is collected, before anything is
        terminal.type("y\n")
        if usable_username(running_os_account().name) is not None:  # root names a role
            terminal.read_until("Workbench username (blank: none):")
            terminal.type(f"{PERSONAL_NAME}\n")
        shown = terminal.read_until("See your day")
        found = re.search(r"account: (\S+), one-time password \(shown once\): (\S+)", shown)
        assert found, shown
        username, password = found.groups()

        spool = Path(env["TRAQ_DATA_DIR"]) / "spool"
        wait_until(lambda: capturing(spool), 60, "the collector to sample")
        notes = open_window("Meeting notes", "NotesApp", geometry="100x30+200+150")
        xdotool("windowactivate", "--sync", str(notes))
        x, y, width, height = window_geometry(notes)
        xdotool("mousemove", "--sync", str(x + width // 2), str(y + height // 2), "click", "1")
        xdotool("type", "--delay", "40", TYPED)
        xdotool("mousemove", "--sync", str(x + 20), str(y + 20))
        # The default flush (every 5 s) writes the minute to the spool; then Ctrl-C.
        wait_until(lambda: _spool_presses(spool) == len(TYPED), 30, "the presses in the spool")
        terminal.interrupt()
        assert terminal.wait(60) == 0, terminal.output
    finally:
        terminal.close()
    rows, presses, clicks = _minutes(env)
    assert rows >= 1 and presses == len(TYPED) and clicks >= 1, (rows, presses, clicks)

    with serving(env) as url, chromium() as context:
        page = context.new_page()
        sign_in(page, url, username, password)
        page.get_by_role("heading", name="My day").wait_for(timeout=60_000)
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        settle(page)
        body = page.inner_text("body")
        assert "No tracked time" not in body and "Traceback" not in body
        work = page.locator('[data-testid="stMetric"]').filter(has_text="Work time")
        # Every stored minute is a tracked minute of today (the run took well under an hour).
        assert work.inner_text().split("\n")[-1] == f"{rows} min", work.inner_text()


@dataclass(frozen=True)
class Company:
    """A private copy of the demo, its ingestion service and its workbench."""

    env: dict[str, str]
    password: str
    ingest_url: str
    url: str


@contextmanager
def ingesting(env: dict[str, str]) -> Iterator[str]:
    """`traq serve-ingest` on a loopback port (plain HTTP is allowed there); its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "traq.main", "serve-ingest", "--port", str(port)],
        cwd=ROOT, env=cli.child_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{url}/v1/health") or server.poll() is not None, 60, "ingest")
        assert server.poll() is None, "traq serve-ingest ended"
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def company(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    """The demo copied (tests here change it), served as a company runs it."""
    folder = tmp_path_factory.mktemp("company")
    copy_installation(demo.data_dir, folder / "traq-data")
    shutil.copy2(demo.env["TRAQ_MASTER_KEY_FILE"], folder / "master.key")
    env = demo.env | {
        "TRAQ_DATA_DIR": str(folder / "traq-data"),
        "TRAQ_SPOOL_DIR": str(folder / "traq-data" / "spool"),
        "TRAQ_MASTER_KEY_FILE": str(folder / "master.key"),
    }
    with ingesting(env) as ingest_url, serving(env | {"TRAQ_INGEST_URL": ingest_url}) as url:
        yield Company(env, demo.password, ingest_url, url)


def _query(env: dict[str, str], statement: Any) -> list[Any]:
    engine = open_engine(load_settings(env).database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(statement).all())
    finally:
        engine.dispose()


def _employee(env: dict[str, str], skip: int) -> tuple[str, str, str]:
    """An employee account of the copy: username, display name, pseudonym."""
    u, p = schema.users.c, schema.people.c
    rows = _query(
        env,
        select(u.username, p.display_name, p.pseudonym)
        .join(schema.people, p.id == u.person_id)
        .where(u.role == "employee")
        .order_by(p.id),
    )
    return str(rows[skip][0]), str(rows[skip][1]), str(rows[skip][2])


def _open(page: Any, link: str, heading: str) -> None:
    """Follow a navigation link and wait for its page to be drawn."""
    page.get_by_role("link", name=link).click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    settle(page)


def _choose(page: Any, label: str, option: str, within: Any = None, exact: bool = False) -> None:
    """Pick the option starting with ``option`` in the select box ``label`` (``within`` a
    part of the page, when the label is not unique)."""
    box = (within or page).get_by_role("combobox", name=label, exact=exact)
    box.wait_for(timeout=30_000)
    page.wait_for_timeout(500)  # an expander that just opened is still sliding
    box.click()
    listed = page.get_by_role("option").filter(has_text=option)
    try:
        listed.wait_for(timeout=3_000)
    except Exception:
        box.press("ArrowDown")  # opens the list from the keyboard
    listed.click()


@pytest.mark.usefixtures("window_manager")
def test_an_employee_connects_a_computer_and_the_admin_revokes_it(
    company: Company, tmp_path: Path
) -> None:
    username, display_name, pseudonym = _employee(company.env, 0)
    with chromium() as context:
        employee = context.new_page()
        sign_in(employee, company.url, username, company.password)
        employee.get_by_role("heading", name="My day").wait_for(timeout=60_000)
        _open(employee, "Connect a computer", "Connect a computer")
        assert employee.locator('[data-testid="stDataFrame"]').count() <= 1
        employee.get_by_role("button", name="Get a one-time code").click()
        block = employee.locator('[data-testid="stCode"]').first
        block.wait_for(timeout=30_000)
        settle(employee)
        shoot(employee, tmp_path, "employee-connect")
        assignment, program, *args = shlex.split(block.inner_text().strip())
        assert assignment == f"TRAQ_INGEST_URL={company.ingest_url}", assignment
        assert program == "traq" and args[:2] == ["collect", "--enrol"], args

        # The employee's computer: no database, no key, only the service's address.
        laptop = {
            "TRAQ_DATA_DIR": str(tmp_path / "laptop"),
            "TRAQ_INGEST_URL": assignment.split("=", 1)[1],
        }
        run = cli.run(*args[1:], "--duration", "3", env=laptop)
        assert run.returncode == 0, run.stderr
        enrolled = re.search(r"enrolled as device (\d+)", run.stderr)
        assert enrolled, run.stderr
        device = enrolled.group(1)

        admin = context.new_page()
        sign_in(admin, company.url, ADMIN, company.password)
        admin.get_by_role("heading", name="People and teams").wait_for(timeout=60_000)
        _open(admin, "Devices", "Devices")
        newest = grid_rows(admin)[1]  # after the header: the device just connected
        assert newest[:3] == [device, display_name, pseudonym], newest
        assert newest[-1] == "enrolled", newest
        shoot(admin, tmp_path, "admin-devices")
        admin.get_by_text("Revoke a device").click()
        _choose(admin, "Device", f"{device}: ")
        admin.get_by_role("button", name="Revoke", exact=True).click()
        admin.get_by_text(f"Device {device} revoked").wait_for(timeout=30_000)

        _open(employee, "My day", "My day")  # away and back: the page is drawn again
        _open(employee, "Connect a computer", "Connect a computer")
        states = [row[-1] for row in grid_rows(employee)[1:]]
        assert states.count("revoked") == 1, states


def test_a_generated_password_is_changed_at_first_sign_in(company: Company, tmp_path: Path) -> None:
    with chromium() as context:
        admin = context.new_page()
        sign_in(admin, company.url, ADMIN, company.password)
        admin.get_by_role("heading", name="People and teams").wait_for(timeout=60_000)
        _open(admin, "Accounts and roles", "Accounts and roles")
        admin.get_by_text("Create an account").click()
        admin.get_by_label("Username (one named person").fill("grace.hopper")
        form = admin.locator('[data-testid="stForm"]').filter(has_text="Create account")
        _choose(admin, "Role", "dpo", form)
        admin.get_by_role("button", name="Create account").click()
        admin.get_by_text("Account grace.hopper created").wait_for(timeout=30_000)
        generated = admin.locator('[data-testid="stCode"]').first.inner_text().strip()
        assert len(generated) >= 12, generated

        dpo = context.browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        sign_in(dpo, company.url, "Grace.Hopper", generated)  # any case
        dpo.get_by_role("heading", name="Change password").wait_for(timeout=60_000)
        settle(dpo)
        assert "someone else has seen it" in dpo.inner_text("body")
        # The change form is the only page: no navigation to any other.
        assert dpo.locator('[data-testid="stSidebarNav"] a').all_inner_texts() in (
            [],
            ["Change password"],
        )
        assert dpo.get_by_role("link", name="Request queue").count() == 0
        chosen = "a phrase only grace knows"
        dpo.get_by_label("Current password").fill(generated)
        dpo.get_by_label("New password (").fill(chosen)
        dpo.get_by_label("New password again").fill(chosen)
        dpo.get_by_role("button", name="Change password").click()
        dpo.get_by_text("Password changed").wait_for(timeout=30_000)
        _open(dpo, "Request queue", "Request queue")  # the workbench is open now
        assert "Traceback" not in dpo.inner_text("body")

        again = context.browser.new_context().new_page()  # a later sign-in: no form first
        sign_in(again, company.url, "grace.hopper", chosen)
        again.get_by_role("heading", name="Request queue").first.wait_for(timeout=60_000)


def _minute_totals(env: dict[str, str], pseudonym: str, first: date, last: date) -> tuple[int, int]:
    """Tracked and active seconds of the person's minute rows on local days first..last:
    each minute counts once however many devices recorded it (60 s tracked, the largest
    active seconds)."""
    p, m = schema.people.c, schema.activity_minutes.c
    (person_id, zone), *_ = _query(env, select(p.id, p.timezone).where(p.pseudonym == pseudonym))
    reviews = _query(
        env, select(schema.idle_reviews).where(schema.idle_reviews.c.person_id == person_id)
    )
    assert not reviews  # nothing discarded: work time is tracked time
    tz = ZoneInfo(zone)
    lo = int(datetime.combine(first, time(), tz).timestamp())
    hi = int(datetime.combine(last + timedelta(days=1), time(), tz).timestamp())
    rows = _query(
        env,
        select(m.minute, func.max(m.active_seconds))
        .where(m.person_id == person_id, m.minute >= lo, m.minute < hi)
        .group_by(m.minute),
    )
    return 60 * len(rows), sum(int(active) for _, active in rows)


def _minutes_shown(cell: str) -> tuple[float, float]:
    """A duration cell ("31:02" as h:mm, or decimal hours) in minutes, and its resolution."""
    if ":" in cell:
        hours, minutes = cell.split(":")
        return int(hours) * 60 + int(minutes), 0.5
    return float(cell) * 60, 0.6  # two decimals of an hour


def _column(row: dict[str, str], start: str) -> str:
    """The cell of the column whose name starts with ``start`` (names may gain units)."""
    (value,) = [v for k, v in row.items() if k.lower().startswith(start)]
    return value


def test_my_timesheet_downloads_the_totals_of_my_minute_rows(
    company: Company, tmp_path: Path
) -> None:
    username, _name, pseudonym = _employee(company.env, 3)
    with chromium(accept_downloads=True) as context:
        page = context.new_page()
        sign_in(page, company.url, username, company.password)
        page.get_by_role("heading", name="My day").wait_for(timeout=60_000)
        _open(page, "My timesheet", "My timesheet")
        shoot(page, tmp_path, "employee-timesheet")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
    lines = text.splitlines()  # header rows (person, period, units), then the table
    start = next(i for i, line in enumerate(lines) if line.lower().startswith("day,"))
    table = list(csv.DictReader(lines[start:]))
    # The period the file says it covers (its header rows), as the page's sidebar chose it.
    first, last = (
        date.fromisoformat(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", " ".join(lines[:start]))[:2]
    )
    (total,) = [row for row in table if next(iter(row.values())).lower() == "total"]
    tracked, active = _minute_totals(company.env, pseudonym, first, last)
    assert tracked > 0 and len(table) >= 2
    for column, seconds in (("work", tracked), ("active", active)):
        shown, resolution = _minutes_shown(_column(total, column))
        assert abs(shown - seconds / 60) <= resolution, (column, total, seconds)


def test_an_admin_reset_and_guessing_a_password_in_chromium(company: Company) -> None:
    """The admin resets an employee's password on the Accounts page: the old one stops
    working, the one-time one opens only the change form. Guessing another account's
    password: after 3 failures the page makes the guesser wait, and even the right password
    is refused unchecked inside the wait; the log holds the failures, never the typed name."""
    employee, _, _ = _employee(company.env, 5)
    guessed, _, _ = _employee(company.env, 6)
    with chromium() as context:
        admin = context.new_page()
        sign_in(admin, company.url, ADMIN, company.password)
        admin.get_by_role("heading", name="People and teams").wait_for(timeout=60_000)
        _open(admin, "Accounts and roles", "Accounts and roles")
        _choose(admin, "Account", f"{employee} (employee)", exact=True)
        settle(admin)
        admin.get_by_role("button", name="Reset password").click()
        admin.get_by_text(f"New password for {employee}").wait_for(timeout=30_000)
        generated = admin.locator('[data-testid="stCode"]').first.inner_text().strip()

        person = context.browser.new_context().new_page()
        sign_in(person, company.url, employee, company.password)  # the old one: refused
        person.get_by_text("wrong username or password", exact=False).wait_for(timeout=30_000)
        sign_in(person, company.url, employee, generated)
        person.get_by_role("heading", name="Change password").wait_for(timeout=60_000)
        assert person.get_by_role("link", name="My day").count() == 0

        guesser = context.browser.new_context().new_page()
        guesser.goto(company.url)
        before = len(_failures(company.env))
        waiting = guesser.get_by_text("Too many failed sign-ins: try again in")
        for attempt in range(40):  # the waits grow 1, 2, 4 s: a quick guesser meets them
            _submit(guesser, guessed, f"guess number {attempt}")
            shown = re.search(r"try again in (\d+) s", guesser.inner_text("body"))
            if shown and int(shown.group(1)) >= 3:  # long enough to try the right one in it
                break
        assert waiting.count(), "no wait after repeated failures"
        _submit(guesser, guessed, company.password)  # right, but inside the wait
        assert waiting.count() and guesser.get_by_role("link", name="My day").count() == 0
        failures = _failures(company.env)[before:]
        assert len(failures) >= 3, failures
        assert not any(guessed in str(details) for details in failures)  # no typed name


def _submit(page: Any, username: str, password: str) -> None:
    """Type into the sign-in form already shown and send it (no reload: a guesser's pace)."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    settle(page)


def _failures(env: dict[str, str]) -> list[Any]:
    """The details of every failed sign-in in the audit log, oldest first."""
    log = schema.audit_log.c
    query = select(log.details).where(log.action == "account.sign_in_failed").order_by(log.seq)
    return [row[0] for row in _query(env, query)]
