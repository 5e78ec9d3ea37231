"""My timesheet: each day's figures equal the person's minute rows; CSV, Excel and PDF
carry the period, time zone and units."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import defaultdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import select

from analytics import Period
from services.idle_review import DISCARD, KEEP, my_idle_stretches, review_idle_stretch
from services.selfview import subject
from services.timesheet import hours, my_timesheet
from storage import Storage, open_storage
from storage.db.schema import activity_minutes, app_spans, idle_reviews, people
from storage.idle_reviews import IDLE_APP
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


DEMO_WEEK = Period(date(2026, 3, 25), date(2026, 3, 31))


def _idle_truth(storage: Storage, person_id: int, zone: str) -> dict[str, dict[str, int]]:
    """Per local day, second by second from the rows: idle seconds discarded, kept and not
    reviewed (a discard wins over a keep, a keep over no review), within tracked minutes and
    never more of a minute than its seconds without input; and the minute rows' seconds."""
    with storage.engine.connect() as c:
        minutes = c.execute(
            select(activity_minutes.c.minute, activity_minutes.c.active_seconds).where(
                activity_minutes.c.person_id == person_id
            )
        ).all()
        spans = c.execute(
            select(app_spans.c.start_ts, app_spans.c.end_ts).where(
                app_spans.c.person_id == person_id, app_spans.c.app == IDLE_APP
            )
        ).all()
        reviews = c.execute(
            select(idle_reviews.c.start, idle_reviews.c.end, idle_reviews.c.decision).where(
                idle_reviews.c.person_id == person_id
            )
        ).all()

    def seconds(ranges: list[tuple[int, int]]) -> set[int]:
        return {s for start, end in ranges for s in range(start, end)}

    def decided(decision: str) -> set[int]:
        return seconds(
            [(int(r[0].timestamp()), int(r[1].timestamp())) for r in reviews if r[2] == decision]
        )

    dropped = decided("discard")
    kept = decided("keep") - dropped
    rest = seconds([(int(a), int(b)) for a, b in spans]) - dropped - kept
    busiest: dict[int, int] = defaultdict(int)
    for minute, active in minutes:
        busiest[minute] = max(busiest[minute], int(active))
    days: dict[str, dict[str, int]] = {}
    for minute, active in busiest.items():
        day = datetime.fromtimestamp(minute, ZoneInfo(zone)).date().isoformat()
        totals = days.setdefault(day, defaultdict(int))
        room = 60 - active
        totals["minutes"] += 60
        for kind, of in (("discarded", dropped), ("kept", kept), ("not reviewed", rest)):
            part = min(room, sum(1 for s in range(minute, minute + 60) if s in of))
            totals[kind] += part
            room -= part
    return days


def test_idle_columns_are_the_minute_rows_and_idle_reviews(
    demo: Demo, installation: Storage, media: type[RecordingStorage]
) -> None:
    username, person_id = employee_in_team(1)
    person = subject(installation.engine, person_id)
    stretches = my_idle_stretches(installation.engine, person, DEMO_WEEK)
    assert len(stretches) >= 3
    now = datetime.now(UTC)
    review_idle_stretch(installation.engine, person, stretches[0].start_ts, DISCARD, now)
    review_idle_stretch(installation.engine, person, stretches[1].start_ts, KEEP, now)
    app = page_as(PAGE, account(username, demo.password))
    app.session_state["filters"] = (DEMO_WEEK.first, DEMO_WEEK.last)  # the sidebar's period
    app.run()
    table = app.dataframe[0].value
    truth = _idle_truth(installation, person_id, person.timezone)
    sheet = my_timesheet(installation.engine, person, DEMO_WEEK)
    assert list(sheet["day"].astype(str)) == list(table["day"])[:-1]
    for row, raw in zip(table.itertuples(index=False), sheet.itertuples(index=False), strict=False):
        want = truth[row.day]
        assert row._5 == hours(want["kept"]), row  # "idle kept"
        assert row._6 == hours(want["not reviewed"]), row
        assert row._7 == hours(want["discarded"]), row
        # Work is what the minute rows tracked less exactly the idle time discarded.
        assert raw.work_seconds + raw.idle_discarded_seconds == want["minutes"], row
    assert all(int(sheet[c].sum()) > 0 for c in sheet.columns if c.startswith("idle_"))
    assert list(table.columns)[5:] == ["idle kept", "idle not reviewed", "idle discarded"]

    saved = RecordingStorage.latest.get_file(  # type: ignore[union-attr]
        app.get("download_button")[0].proto.url.rsplit("/", 1)[-1]
    ).filename
    # Safe characters only: the name's accents dropped ("Lefèvre" -> "Lefevre").
    plain = unicodedata.normalize("NFKD", person.display_name).encode("ascii", "ignore")
    name = plain.decode().replace(" ", "-")
    assert saved == f"timesheet_{name}_{DEMO_WEEK.first}_{DEMO_WEEK.last}_hours-minutes.csv"
