"""The browser rig: `traq app` served on loopback and driven by Playwright in Debian's
chromium. Shared by every browser test so each workflow test stays about its workflow."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.rigs import missing_rig
from tests.traq.cli import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DOCS = ROOT / "docs" / "screenshots"
FAILURE = re.compile(r"Traceback|Something went wrong|error id")  # what no page may show


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require_chromium() -> None:
    """Fail (under CI) or skip when Debian's chromium is missing."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        missing_rig(f"{CHROMIUM} is not installed (apt-get install chromium)")


def wait_healthy(url: str, seconds: float = 60) -> None:
    """Wait until the Streamlit server at ``url`` answers its health check."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"traq app did not start within {seconds:.0f} s")


@contextmanager
def serving(env: dict[str, str], *args: str, port: int | None = None) -> Iterator[str]:
    """`traq app` for the installation ``env`` points at (other TRAQ_ variables dropped);
    its base URL. ``args`` go to `traq app` after the port; ``port`` is a free one unless
    given (a configuration that names the URL, like single sign-on's, picks it first)."""
    require_chromium()
    port = free_port() if port is None else port
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")} | env
    environ.setdefault("TRAQ_RETENTION_SCHEDULE", "off")  # fixed demo dates: no purge
    process = subprocess.Popen(
        [sys.executable, "-m", "traq.main", "app", "--port", str(port), *args],
        cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def chromium(**context: Any) -> Iterator[Any]:
    """A headless chromium browser context (1400 by 900 unless told); yields the context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser.new_context(**({"viewport": {"width": 1400, "height": 900}} | context))
        finally:
            browser.close()


def settle(page: Any) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=30_000)


def sign_in(page: Any, url: str, username: str, password: str) -> None:
    """Sign in through the sign-in form."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def shoot(page: Any, out: Path, name: str) -> None:
    """A full-page screenshot in ``out``; also into docs/screenshots when
    TRAQ_UPDATE_SCREENSHOTS=1 (how the README's pictures are retaken)."""
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    if os.environ.get("TRAQ_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(out / f"{name}.png", DOCS / f"{name}.png")


def grid_rows(page: Any) -> list[list[str]]:
    """The shown rows of the page's first table: Streamlit draws it on a canvas, beside an
    accessible copy of the cells in view (the first rows)."""
    grid = page.locator('[data-testid="stDataFrame"] table').first
    grid.locator('td[role="gridcell"]').first.wait_for(state="attached", timeout=30_000)
    rows = grid.locator("tr").evaluate_all(
        "rows => rows.map(r => [...r.children].map(c => c.textContent.trim()))"
    )
    return [row for row in rows if row]


class Browser:
    """One signed-in tab and the checks every step makes."""

    def __init__(self, page: Any, shots: Path) -> None:
        self.page, self.shots, self.steps = page, shots, 0

    def settled(self) -> None:
        settle(self.page)
        self.steps += 1
        assert self.page.locator('[data-testid="stException"]').count() == 0
        text = self.page.locator("body").inner_text()
        if FAILURE.search(text):
            shoot(self.page, self.shots, f"failure-{self.steps}")
            pytest.fail(f"step {self.steps} shows a failure: {FAILURE.search(text)}")

    def go(self, link: str) -> None:
        self.page.get_by_role("link", name=link).click()
        self.settled()

    def click(self, name: str) -> None:
        button = self.page.get_by_role("button", name=name, exact=True)
        try:
            button.wait_for(timeout=30_000)
        except Exception:
            shoot(self.page, self.shots, f"no-button-{self.steps}")
            raise AssertionError(f"step {self.steps}: no button {name!r}") from None
        button.click()
        self.settled()

    def choose(self, label: str, option: str) -> list[str]:
        """Pick ``option`` (a part of its text) in the selectbox ``label``; every option."""
        box = self.page.get_by_role("combobox", name=label, exact=True)
        box.click()
        options = self.page.get_by_role("option")
        listed = options.all_inner_texts()
        box.fill(option)  # a long list shows only some options: typing filters to it
        options.filter(has_text=option).first.click()
        # The box shows the choice once the rerun it starts has begun: only then settle,
        # or a slow server's old page would be taken for the new one.
        self.page.wait_for_function(
            "([box, text]) => box.value.includes(text)",
            arg=[box.element_handle(), option],
            timeout=30_000,
        )
        self.settled()
        return listed

    def type(self, label: str, value: str) -> None:
        field = self.page.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Enter")
        self.settled()

    def expand(self, title: str) -> None:
        """Open the expander ``title`` unless it is open."""
        summary = self.page.locator('[data-testid="stExpander"] summary').filter(has_text=title)
        if not summary.evaluate("s => s.parentElement.open"):
            summary.click()
            self.page.wait_for_timeout(200)

    def file(self, kind: str) -> None:
        """File a request of ``kind`` (a part of its label) on My rights requests."""
        self.expand("File a request")
        self.choose("What do you ask for?", kind)
        self.click("File the request")

    def alerts(self) -> list[str]:
        return self.page.locator('[data-testid="stAlert"]').all_inner_texts()

    def says(self, text: str) -> str:
        """The message holding ``text``, once the page shows it (a rerun may be slow)."""
        alert = self.page.locator('[data-testid="stAlert"]').filter(has_text=text).first
        try:
            alert.wait_for(timeout=15_000)
        except Exception:
            shoot(self.page, self.shots, f"missing-{self.steps}")
            raise AssertionError((text, self.alerts())) from None
        self.settled()
        return str(alert.inner_text())

    def download(self, name: str) -> bytes:
        with self.page.expect_download() as info:
            self.page.get_by_role("button", name=name).click()
        return Path(info.value.path()).read_bytes()
