"""Light and dark themes in chromium: the browser's colour scheme picks the workbench theme,
and a category keeps its colour in both."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.views import CATEGORY_COLOURS
from tests.app import browser as rig
from tests.app import test_browser
from tests.app.conftest import Demo

pytestmark = pytest.mark.slow
server = test_browser.server  # the same `traq app` on the demo, for this module

BACKGROUND = """() => getComputedStyle(document.querySelector('[data-testid="stApp"]'))
    .backgroundColor"""
BAR_FILLS = """() => [...document.querySelectorAll('.js-plotly-plot .bars path')]
    .map((p) => p.style.fill)"""


def _rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def _brightness(css: str) -> float:
    red, green, blue = (float(x) for x in css[css.index("(") + 1 : -1].split(",")[:3])
    return (0.299 * red + 0.587 * green + 0.114 * blue) / 255


def _applications(browser: object, url: str, demo: Demo, scheme: str, out: Path) -> tuple:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1400, "height": 900}, color_scheme=scheme
    )
    page = context.new_page()
    rig.sign_in(page, url, demo.manager_of("Platform"), demo.password)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    page.get_by_role("link", name="Applications").click()
    # The overview has bars too: wait for the Applications page itself, then its bars.
    page.get_by_role("heading", name="Applications and categories").wait_for(timeout=60_000)
    rig.settle(page)
    page.locator(".js-plotly-plot .bars path").first.wait_for(timeout=60_000)
    page.wait_for_function(f"({BAR_FILLS})().some((fill) => fill)", timeout=60_000)
    page.screenshot(path=str(out / f"applications-{scheme}.png"), full_page=True)
    found = page.evaluate(BACKGROUND), page.evaluate(BAR_FILLS)
    context.close()
    return found


def test_the_colour_scheme_picks_the_theme_and_categories_keep_their_colours(
    demo: Demo, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=rig.CHROMIUM, args=rig.ARGS, headless=True
        )
        light = _applications(browser, server, demo, "light", tmp_path)
        dark = _applications(browser, server, demo, "dark", tmp_path)
        browser.close()
    assert _brightness(light[0]) > 0.8, light[0]
    assert _brightness(dark[0]) < 0.3, dark[0]
    development = _rgb(CATEGORY_COLOURS["development"])
    assert development in light[1] and development in dark[1]
