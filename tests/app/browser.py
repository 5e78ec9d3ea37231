"""The browser rig: `traq app` served on loopback and driven by Playwright in Debian's
chromium. Shared by every browser test so each workflow test stays about its workflow."""

from __future__ import annotations

import os
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
