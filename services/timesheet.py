"""A person's own timesheet: per local day, first and last activity, work, active and idle
time (kept, or discarded in an idle review), as a table and as CSV, Excel and PDF files.

Read from the person's daily rollup (which already leaves discarded idle time out of work
time) and their idle reviews, in their own time zone. For the person only: managers get
hours per day per published unit, never a person's timesheet.
"""

from __future__ import annotations

import html
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, select

from analytics.periods import Period
from services.cells import neutralise
from services.idle_review import DISCARD, my_idle_stretches
from services.selfview import Subject
from storage.db.schema import activity_daily


def hours(seconds: int) -> str:
    """``seconds`` as h:mm (a timesheet's unit)."""
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def my_timesheet(engine: Engine, person: Subject, period: Period) -> pd.DataFrame:
    """One row per local day of ``period`` with tracked time; seconds in ``*_seconds``."""
    d = activity_daily.c
    query = select(d.day, d.first_ts, d.last_ts, d.tracked_seconds, d.active_seconds).where(
        d.person_id == person.person_id, d.day >= period.first, d.day <= period.last
    )
    with engine.connect() as connection:
        days = connection.execute(query.order_by(d.day)).all()
    discarded: dict[object, int] = {}
    for stretch in my_idle_stretches(engine, person, period):
        if stretch.decision == DISCARD:
            day = stretch.start.date()
            discarded[day] = discarded.get(day, 0) + stretch.seconds
    zone = ZoneInfo(person.timezone)
    rows = [
        {
            "day": row.day,
            "first activity": datetime.fromtimestamp(row.first_ts, zone).strftime("%H:%M"),
            "last activity": (
                datetime.fromtimestamp(row.last_ts, zone) + timedelta(minutes=1)
            ).strftime("%H:%M"),
            "work_seconds": int(row.tracked_seconds),
            "active_seconds": int(row.active_seconds),
            "idle_kept_seconds": int(row.tracked_seconds) - int(row.active_seconds),
            "idle_discarded_seconds": discarded.get(row.day, 0),
        }
        for row in days
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "day", "first activity", "last activity", "work_seconds", "active_seconds",
            "idle_kept_seconds", "idle_discarded_seconds",
        ],
    )  # fmt: skip


def shown(sheet: pd.DataFrame) -> pd.DataFrame:
    """The timesheet as people read it: times in h:mm, a total row."""
    out = pd.DataFrame(
        {
            "day": sheet["day"].astype(str),
            "first activity": sheet["first activity"],
            "last activity": sheet["last activity"],
            "work": sheet["work_seconds"].map(hours),
            "active": sheet["active_seconds"].map(hours),
            "idle kept": sheet["idle_kept_seconds"].map(hours),
            "idle discarded": sheet["idle_discarded_seconds"].map(hours),
        }
    )
    total = {
        "day": "total", "first activity": "", "last activity": "",
        "work": hours(int(sheet["work_seconds"].sum())),
        "active": hours(int(sheet["active_seconds"].sum())),
        "idle kept": hours(int(sheet["idle_kept_seconds"].sum())),
        "idle discarded": hours(int(sheet["idle_discarded_seconds"].sum())),
    }  # fmt: skip
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def _header(person: Subject, period: Period) -> list[list[str]]:
    return [
        ["Timesheet", person.display_name],
        ["Period", f"{period.first} to {period.last}"],
        ["Time zone", person.timezone],
        ["Units", "hours:minutes; work = tracked time less discarded idle time"],
        [],
    ]


def timesheet_csv(person: Subject, period: Period, table: pd.DataFrame) -> bytes:
    """The shown timesheet as CSV, with its header rows (person, period, zone, units)."""
    out = io.StringIO()
    for line in _header(person, period):
        out.write(",".join(str(neutralise(cell)) for cell in line) + "\n")
    table.map(neutralise).to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


def timesheet_excel(person: Subject, period: Period, table: pd.DataFrame) -> bytes:
    """The shown timesheet as an Excel workbook (header rows, then the table)."""
    buffer = io.BytesIO()
    header = pd.DataFrame([row + [""] * (2 - len(row)) for row in _header(person, period)])
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        header.map(neutralise).to_excel(writer, sheet_name="timesheet", index=False, header=False)
        table.map(neutralise).to_excel(
            writer, sheet_name="timesheet", index=False, startrow=len(header)
        )
    return buffer.getvalue()


def timesheet_html(person: Subject, period: Period, table: pd.DataFrame) -> str:
    """The shown timesheet as a printable HTML page (the PDF's source)."""
    head = "".join(
        f"<p><b>{html.escape(row[0])}:</b> {html.escape(row[1])}</p>"
        for row in _header(person, period)
        if row
    )
    body = table.to_html(index=False, escape=True, border=0)
    style = "body{font-family:sans-serif;font-size:11pt}td,th{padding:2px 10px;text-align:left}"
    return f"<!doctype html><meta charset='utf-8'><style>{style}</style>{head}{body}"
