"""A manager's reports in chromium: a quick range, the Team timesheet downloaded as a file
that names what it covers, and a one-week trend that reads as dates and percentages."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.app.browser import Browser, chromium, grid_rows, serving, shoot, sign_in
from tests.app.conftest import Demo

pytestmark = pytest.mark.slow
DEMO_LAST_DAY = date(2026, 3, 31)  # the demo fixture's end: "this week" is its week
TICKS = """(axis) => [...document.querySelectorAll(`.js-plotly-plot .${axis}tick text`)]
    .map((t) => t.textContent)"""


def test_a_managers_team_timesheet_download_says_what_it_covers(demo: Demo, tmp_path: Path) -> None:
    monday = DEMO_LAST_DAY - timedelta(days=DEMO_LAST_DAY.weekday())
    with serving(demo.env) as url, chromium(accept_downloads=True) as context:
        tab = Browser(context.new_page(), tmp_path)
        sign_in(tab.page, url, demo.manager_of("Platform"), demo.password)
        tab.page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        tab.settled()
        tab.choose("Quick range", "This week")
        tab.go("Team timesheet")
        tab.page.get_by_role("heading", name="Team timesheet").wait_for(timeout=30_000)
        shoot(tab.page, tmp_path, "manager-timesheet")
        with tab.page.expect_download() as info:
            tab.page.get_by_role("button", name="Download CSV").click()
        download = info.value
        name = download.suggested_filename
        assert re.fullmatch(r"[A-Za-z0-9._-]+\.csv", name), name
        assert name.startswith("team-timesheet_") and f"_{monday.isoformat()}_" in name
        assert re.search(r"_k\d+_hours\.csv$", name), name
        text = Path(download.path()).read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text)))
        about = {row[0]: row[1] for row in rows if len(row) == 2}
        assert about["period"].startswith(monday.isoformat())
        assert about["k"].split()[0].isdigit() and "hours" in about["units"]
        header = next(i for i, row in enumerate(rows) if "work hours" in row)
        days = [r for r in rows[header + 1 :] if r and re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[0])]
        assert days, rows
        # The file holds this week's days, each a unit of at least k people, with the
        # figures the page shows (its table: the accessible copy of the drawn grid).
        columns = rows[header]
        k = int(about["k"].split()[0])
        on_page = grid_rows(tab.page)
        assert on_page[0] == columns, (on_page[0], columns)
        for row in days:
            assert monday <= date.fromisoformat(row[0]) <= monday + timedelta(days=6)
            cells = dict(zip(columns, row, strict=True))
            assert int(cells["people"]) >= k, cells
            assert float(cells["active hours"]) <= float(cells["work hours"]), cells
            assert row in on_page, (row, on_page)

        tab.go("Trends")
        tab.page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        tab.settled()
        ticks = tab.page.evaluate(TICKS, "x")
        assert ticks and not any(":" in tick for tick in ticks), ticks  # dates, not times
        percents = [t for t in tab.page.evaluate(TICKS, "y") if t.endswith("%")]
        assert percents and max(float(t.rstrip("%").strip()) for t in percents) <= 100
