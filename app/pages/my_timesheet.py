"""My timesheet: the signed-in employee's own days as a table, with CSV, Excel and PDF."""

import streamlit as st

from analytics import Period
from app.context import storage
from app.me import me
from app.sidebar import shared_period
from app.text import literal
from services.retention_desk import pdf_bytes
from services.timesheet import (
    my_timesheet,
    shown,
    timesheet_csv,
    timesheet_excel,
    timesheet_html,
)

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
st.dataframe(table, hide_index=True)
name = f"timesheet-{first}-{last}"
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
