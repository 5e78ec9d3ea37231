"""My timesheet: the signed-in employee's own days as a table, with CSV, Excel and PDF."""

import streamlit as st

from analytics import Period
from app.context import storage
from app.file_names import stem, units_word
from app.me import me
from app.sidebar import shared_period
from app.text import literal
from services.retention_desk import pdf_bytes
from services.timesheet import (
    UNITS,
    my_timesheet,
    shown,
    timesheet_csv,
    timesheet_excel,
    timesheet_html,
)

IDLE = "Seconds of idle stretches inside tracked minutes, without input on any device: "
HELP = {
    column: st.column_config.Column(help=text)
    for column, text in {
        "first activity": "Start of your first tracked minute that day",
        "last activity": "End of your last tracked minute that day",
        "work": "Tracked time (a minute your computer recorded, on any device) less the "
        "idle time you discarded",
        "active": "Seconds with keyboard or mouse input (per minute, your busiest device's)",
        "idle kept": IDLE + "you kept them as work in Review idle time (counted in work)",
        "idle not reviewed": IDLE + "you have not reviewed them yet (counted in work until "
        "you discard them)",
        "idle discarded": IDLE + "you discarded them in Review idle time (not in work)",
    }.items()
}
person = me()
first, last = shared_period()
period = Period(first, last)
st.title("My timesheet")
st.caption(
    f"{first} → {last}, times in {literal(person.timezone)}; only you can see this page. "
    "Work is tracked time less idle time you discarded in Review idle time."
)
sheet = my_timesheet(storage().engine, person, period)
if sheet.empty:
    st.info("No tracked time in this period.")
    st.stop()
table = shown(sheet)
st.dataframe(table, hide_index=True, column_config=HELP)
name = stem(["timesheet", person.display_name, str(first), str(last), units_word(UNITS)])
one, two, three = st.columns(3)
one.download_button(
    "Download CSV", timesheet_csv(person, period, table), f"{name}.csv", "text/csv",
    key="timesheet-csv",
)  # fmt: skip
two.download_button(
    "Download Excel",
    timesheet_excel(person, period, table),
    f"{name}.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="timesheet-xlsx",
)
if three.button("Prepare a PDF", key="timesheet-pdf-make"):
    try:
        st.session_state[f"timesheet-pdf-{name}"] = pdf_bytes(timesheet_html(person, period, table))
    except RuntimeError as exc:  # no Chromium on this server
        st.error(f"No PDF: {literal(exc)}")
if f"timesheet-pdf-{name}" in st.session_state:  # this period's, not an earlier one's
    three.download_button(
        "Download PDF", st.session_state[f"timesheet-pdf-{name}"], f"{name}.pdf", "application/pdf",
        key="timesheet-pdf",
    )  # fmt: skip
