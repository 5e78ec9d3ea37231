"""My timesheet: each day's figures equal the person's minute rows; CSV, Excel and PDF
carry the period, time zone and units."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import select

from services.timesheet import hours
from storage import open_storage
from storage.db.schema import activity_minutes, people
from tests.app.accounts import account, employee_in_team
from tests.app.conftest import Demo, RecordingStorage, downloaded, page_as

PAGE = "app/pages/my_timesheet.py"


def _expected(person_id: int) -> dict[str, dict[str, object]]:
    """Per local day, from the minute rows: tracked = 60 s per minute on any device, active =
    the busiest device's seconds per minute, first and last minute."""
    storage = open_storage()
    try:
        with storage.engine.connect() as c:
            zone = ZoneInfo(c.scalar(select(people.c.timezone).where(people.c.id == person_id)))
            rows = c.execute(
                select(activity_minutes.c.minute, activity_minutes.c.active_seconds).where(
                    activity_minutes.c.person_id == person_id
                )
            ).all()
    finally:
        storage.close()
    busiest: dict[int, int] = defaultdict(int)
    for minute, active in rows:
        busiest[minute] = max(busiest[minute], int(active))
    days: dict[str, dict[str, object]] = {}
    for minute in sorted(busiest):
        local = datetime.fromtimestamp(minute, zone)
        day = days.setdefault(local.date().isoformat(), {"work": 0, "active": 0, "first": local})
        day["work"] = int(day["work"]) + 60  # type: ignore[call-overload]
        day["active"] = int(day["active"]) + busiest[minute]  # type: ignore[call-overload]
        day["last"] = local
    return days


def test_the_timesheet_equals_the_minute_rows_and_downloads_carry_context(
    demo: Demo, media: type[RecordingStorage]
) -> None:
    username, person_id = employee_in_team(1)
    app = page_as(PAGE, account(username, demo.password))
    assert not app.exception
    table = app.dataframe[0].value
    expected = _expected(person_id)
    shown = table[table["day"] != "total"]
    assert len(shown) > 0
    for row in shown.itertuples():
        want = expected[row.day]
        assert row.work == hours(int(want["work"]))  # type: ignore[call-overload]
        assert row.active == hours(int(want["active"]))  # type: ignore[call-overload]
        assert row._2 == want["first"].strftime("%H:%M")  # type: ignore[attr-defined]

    lines = list(csv.reader(io.StringIO(downloaded(app, "timesheet-csv").decode())))
    assert lines[0][0] == "Timesheet" and lines[1][0] == "Period"
    assert lines[2] == ["Time zone", str(_zone(person_id))]
    assert lines[3][0] == "Units" and "hours:minutes" in lines[3][1]
    assert lines[5] == list(table.columns) and lines[-1][0] == "total"

    book = openpyxl.load_workbook(io.BytesIO(downloaded(app, "timesheet-xlsx")))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert "Period" in cells and "total" in cells

    app.button(key="timesheet-pdf-make").click().run()
    assert downloaded(app, "timesheet-pdf").startswith(b"%PDF")


def _zone(person_id: int) -> str:
    storage = open_storage()
    try:
        with storage.engine.connect() as c:
            return str(c.scalar(select(people.c.timezone).where(people.c.id == person_id)))
    finally:
        storage.close()
