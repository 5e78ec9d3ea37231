"""Downloads of the shown aggregates: the Excel workbook holds exactly the CSV's cells.

The bytes are read back from Streamlit's own in-memory media storage (see the ``media``
fixture in conftest).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from app.views import ABOUT_FIELDS, ABOUT_LINES
from tests.app.conftest import Demo, RecordingStorage, downloaded, signed_in

# Every page's downloads, one per aggregate it shows, in order.
PAGES = [
    ("app/pages/overview.py", ["overview-totals", "overview"]),
    ("app/pages/trends.py", ["trends", "trends-weekly", "trends-heatmap"]),
    ("app/pages/applications.py", ["categories", "applications"]),
    ("app/pages/comparison.py", ["comparison"]),
    ("app/pages/team_timesheet.py", ["team-timesheet"]),
]

HIDDEN = "fewer than 5 people"
NOW = datetime.now(UTC)


@pytest.mark.parametrize(("page", "names"), PAGES)
def test_every_shown_aggregate_downloads_and_the_excel_equals_the_csv(
    demo: Demo, media: type[RecordingStorage], page: str, names: list[str]
) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    app.switch_page(page).run()
    assert [b.proto.label for b in app.get("download_button")] == [
        "Download CSV",
        "Download Excel",
    ] * len(names)
    for name in names:
        csv_file = io.BytesIO(downloaded(app, f"csv-{name}"))
        about = pd.read_csv(csv_file, header=None, nrows=ABOUT_LINES - 1, dtype=str)
        assert list(about[0]) == list(ABOUT_FIELDS)  # what the file covers comes first
        csv_file.seek(0)
        csv = pd.read_csv(csv_file, dtype=str, keep_default_na=False, skiprows=ABOUT_LINES)
        workbook = load_workbook(io.BytesIO(downloaded(app, f"xlsx-{name}")), read_only=True)
        assert workbook.sheetnames == [name[:31], "about"]
        rows = list(workbook[name[:31]].iter_rows(values_only=True))
        assert list(rows[0]) == list(csv.columns)
        assert len(rows) - 1 == len(csv) > 0
        for excel_row, csv_row in zip(rows[1:], csv.itertuples(index=False), strict=True):
            for excel_cell, csv_cell in zip(excel_row, csv_row, strict=True):
                if isinstance(excel_cell, int | float):  # numbers stay numbers
                    assert excel_cell == pytest.approx(float(csv_cell))
                elif isinstance(excel_cell, datetime):  # and days stay Excel dates
                    assert excel_cell == datetime.fromisoformat(csv_cell)
                else:
                    assert ("" if excel_cell is None else str(excel_cell)) == csv_cell


def test_suppressed_cells_read_fewer_than_k_people_in_both(
    media: type[RecordingStorage], manager_of_every_team: tuple[str, str]
) -> None:
    app = signed_in(*manager_of_every_team)
    hidden = 0
    for page, names in PAGES:
        app.switch_page(page).run()
        for name in names:
            csv = downloaded(app, f"csv-{name}").decode().split("\n", ABOUT_LINES)[-1]
            workbook = load_workbook(io.BytesIO(downloaded(app, f"xlsx-{name}")), read_only=True)
            rows = list(workbook[name[:31]].iter_rows(values_only=True))
            people = rows[0].index("people")
            excel = [c for row in rows for c in row]
            assert excel.count(HIDDEN) == csv.count(HIDDEN), name
            assert all(row[people] == HIDDEN or int(row[people]) >= 5 for row in rows[1:]), name
            hidden += csv.count(HIDDEN)
    assert hidden > 0  # the demo has small groups: some cells were suppressed


SAFE_NAME = re.compile(r"[A-Za-z0-9._-]+")


@pytest.mark.parametrize(("page", "names"), PAGES)
def test_every_download_is_named_by_report_team_period_k_and_units(
    demo: Demo, media: type[RecordingStorage], page: str, names: list[str]
) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    app.switch_page(page).run()
    picker = next(d for d in app.sidebar.date_input if d.label == "Period")
    first, last = picker.value
    saved = [_saved_name(b) for b in app.get("download_button")]
    assert len(saved) == 2 * len(names)
    for name, csv_name, excel_name in zip(names, saved[::2], saved[1::2], strict=True):
        stem = f"{name}_Platform_{first}_{last}_k5_hours"
        assert (csv_name, excel_name) == (f"{stem}.csv", f"{stem}.xlsx")
        assert SAFE_NAME.fullmatch(csv_name)


def _saved_name(button: object) -> str:
    """The file name a download button's file is saved under (kept by the media storage)."""
    assert RecordingStorage.latest is not None
    file_id = button.proto.url.rsplit("/", 1)[-1]  # type: ignore[attr-defined]
    return str(RecordingStorage.latest.get_file(file_id).filename)
