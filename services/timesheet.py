"""A person's own timesheet: per local day, first and last activity, work, active and idle
time (kept, not reviewed, or discarded in Review idle time), as a table and as CSV, Excel
and PDF files.

Work and active time are read from the person's daily rollup (which already leaves
discarded idle time out of work time); idle time from their minute rows, idle stretches and
idle reviews (``services.idle_time``), in their own time zone. For the person only: managers get
hours per day per published unit, never a person's timesheet.
"""

from __future__ import annotations

import html
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from analytics.periods import Period
from services.cells import neutralise
from services.idle_time import IdleDay, idle_days
from services.selfview import Subject, local_bounds
from storage.db.schema import activity_daily, activity_minutes
from storage.idle_reviews import DECISIONS, idle_stretches, reviewed_ranges

KEEP, DISCARD = DECISIONS
UNITS = "hours:minutes; work = tracked time less discarded idle time"


def hours(seconds: int) -> str:
    """``seconds`` as h:mm (a timesheet's unit)."""
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


COLUMNS = [
    "day", "first activity", "last activity", "work_seconds", "active_seconds",
    "idle_kept_seconds", "idle_not_reviewed_seconds", "idle_discarded_seconds",
]  # fmt: skip
IDLE_MARGIN = 2 * 86400  # a stretch begun up to two days before the period may reach into it


def my_timesheet(engine: Engine, person: Subject, period: Period) -> pd.DataFrame:
    """One row per local day of ``period`` with tracked time; seconds in ``*_seconds``.

    Work, active, first and last activity come from the person's daily rollup; idle time
    from their minute rows and idle reviews (``services.idle_time``).
    """
    d = activity_daily.c
    query = select(d.day, d.first_ts, d.last_ts, d.tracked_seconds, d.active_seconds).where(
        d.person_id == person.person_id, d.day >= period.first, d.day <= period.last
    )
    with engine.connect() as connection:
        days = {row.day: row for row in connection.execute(query)}
        idle = _idle(connection, person, period)
    zone = ZoneInfo(person.timezone)

    def clock(ts: int | None, after: int = 0) -> str:
        return "" if ts is None else datetime.fromtimestamp(ts + after, zone).strftime("%H:%M")

    rows = []
    for day in sorted(days.keys() | idle.keys()):
        row, spent = days.get(day), idle.get(day, IdleDay())
        rows.append(
            {
                "day": day,
                "first activity": clock(row.first_ts if row else None),
                "last activity": clock(row.last_ts if row else None, 60),  # its minute's end
                "work_seconds": int(row.tracked_seconds) if row else 0,
                "active_seconds": int(row.active_seconds) if row else 0,
                "idle_kept_seconds": spent.kept,
                "idle_not_reviewed_seconds": spent.not_reviewed,
                "idle_discarded_seconds": spent.discarded,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _idle(connection: Connection, person: Subject, period: Period) -> dict[date, IdleDay]:
    """The person's idle seconds per local day of ``period``, by kind."""
    lo, hi = local_bounds(period, person.timezone)
    m = activity_minutes.c
    busiest = (
        select(m.minute, func.max(m.active_seconds))
        .where(m.person_id == person.person_id, m.minute >= lo, m.minute < hi)
        .group_by(m.minute)
    )
    active = {int(minute): int(seconds) for minute, seconds in connection.execute(busiest)}
    stretches = idle_stretches(connection, person.person_id, lo - IDLE_MARGIN, hi)
    return idle_days(
        active,
        [(s.start_ts, s.end_ts) for s in stretches],
        reviewed_ranges(connection, person.person_id, lo, hi, KEEP),
        reviewed_ranges(connection, person.person_id, lo, hi, DISCARD),
        person.timezone,
    )


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
            "idle not reviewed": sheet["idle_not_reviewed_seconds"].map(hours),
            "idle discarded": sheet["idle_discarded_seconds"].map(hours),
        }
    )
    total = {
        "day": "total", "first activity": "", "last activity": "",
        "work": hours(int(sheet["work_seconds"].sum())),
        "active": hours(int(sheet["active_seconds"].sum())),
        "idle kept": hours(int(sheet["idle_kept_seconds"].sum())),
        "idle not reviewed": hours(int(sheet["idle_not_reviewed_seconds"].sum())),
        "idle discarded": hours(int(sheet["idle_discarded_seconds"].sum())),
    }  # fmt: skip
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def _header(person: Subject, period: Period) -> list[list[str]]:
    return [
        ["Timesheet", person.display_name],
        ["Period", f"{period.first} to {period.last}"],
        ["Time zone", person.timezone],
        ["Units", UNITS],
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
