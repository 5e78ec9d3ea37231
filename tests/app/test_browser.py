"""The workbench in a real browser: `traq app` on demo data, driven by Playwright/chromium."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import select, update

from storage import open_storage
from storage.db.schema import people
from tests.app.accounts import employee_in_team
from tests.app.browser import ARGS, CHROMIUM, serving, settle, shoot, sign_in
from tests.app.conftest import Demo

IMAGES_LOADED = """() => {
    const images = [...document.querySelectorAll('[data-testid="stImage"] img')];
    return images.length >= 12 && images.every((i) => i.complete && i.naturalWidth > 0);
}"""
HOSTILE_NAME = (
    "![pixel](http://attacker.invalid/p.png) **Ada** & co | ~x~ $y$ {z} #1 `c` :red[r] "
    "<img src=http://attacker.invalid/q.png>"
)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(demo: Demo) -> Iterator[str]:
    """`traq app` serving the demo installation; its base URL."""
    with serving(demo.env) as url:
        yield url


@contextmanager
def renamed(person_id: int, name: str) -> Iterator[None]:
    """The person shown as ``name`` for the block's length."""
    storage = open_storage()
    try:
        with storage.engine.begin() as connection:
            before = connection.scalar(
                select(people.c.display_name).where(people.c.id == person_id)
            )
            connection.execute(
                update(people).where(people.c.id == person_id).values(display_name=name)
            )
        yield
    finally:
        with storage.engine.begin() as connection:
            connection.execute(
                update(people).where(people.c.id == person_id).values(display_name=before)
            )
        storage.close()


def test_manager_dashboards_and_employee_screenshots_in_chromium(
    demo: Demo, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    hosts: set[str] = set()  # every URL requested
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.on("request", lambda request: hosts.add(request.url))
        page.goto(server)  # the sign-in page loads the chart scripts, showing no chart
        warm_up = page.locator(".st-key-browser-warm-up .js-plotly-plot .main-svg").first
        warm_up.wait_for(state="attached", timeout=60_000)
        assert not warm_up.is_visible() and page.get_by_label("Username").is_visible()
        sign_in(page, server, demo.manager_of("Platform"), demo.password)
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        settle(page)
        assert page.get_by_text("Team overview").first.is_visible()
        shoot(page, tmp_path, "manager-overview")
        pages = [
            ("Trends", "Trends", "manager-trends"),
            ("Applications", "Applications and categories", "manager-apps"),
        ]
        for link, title, name in pages:
            page.get_by_role("link", name=link).click()
            # The page's own title, then its charts: the previous page's linger a moment.
            page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
            settle(page)
            shoot(page, tmp_path, name)
        context.close()

        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.on("request", lambda request: hosts.add(request.url))
        username, person_id = employee_in_team(1)
        # A display name written as Markdown: an image would make the browser fetch it.
        with renamed(person_id, HOSTILE_NAME):
            sign_in(page, server, username, demo.password)
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
            settle(page)
            assert HOSTILE_NAME in page.inner_text("body")  # shown as typed, no backslash
            assert page.locator("img[src*='attacker']").count() == 0
        sign_in(page, server, username, demo.password)
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        settle(page)
        shoot(page, tmp_path, "employee-my-day")
        page.get_by_role("link", name="My screenshots").click()
        page.locator('[data-testid="stImage"] img').first.wait_for(timeout=60_000)
        settle(page)
        page.wait_for_function(IMAGES_LOADED, timeout=60_000)
        shoot(page, tmp_path, "employee-screenshots")
        browser.close()
    assert (tmp_path / "manager-overview.png").stat().st_size > 10_000
    outside = {url for url in hosts if urlparse(url).hostname not in ("127.0.0.1", None)}
    assert not outside, f"requests left the machine: {outside}"
