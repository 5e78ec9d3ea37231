"""Shared drawing helpers: suppressed cells in words, people covered, downloads, colours."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import polars as pl
import streamlit as st

from analytics import Guard, GuardRefused, Period, Released, overview
from app.context import now, storage
from services.accounts import Account, team_names
from services.freshness import data_version

CATEGORY_COLOURS = {
    "development": "#1f77b4",
    "documents": "#2ca02c",
    "design": "#9467bd",
    "communication": "#ff7f0e",
    "meetings": "#17becf",
    "browsing": "#8c564b",
    "entertainment": "#d62728",
    "social": "#e377c2",
    "uncategorised": "#7f7f7f",
}
# Teams (and anything else that is not a category) take colours from this palette, none of
# which is a category's; it is also the theme's chartCategoricalColors (.streamlit).
TEAM_COLOURS = [
    "#7f3c8d", "#11a579", "#3969ac", "#f2b701", "#e73f74",
    "#80ba5a", "#e68310", "#008695", "#cf1c90", "#f97b72",
]  # fmt: skip
FLAGS = ["people", "suppressed", "noised"]


def hidden(k: int) -> str:
    """What a suppressed cell reads."""
    return f"fewer than {k} people"


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _figure(
    name: str, analyst: str, days: tuple[date, date], teams: tuple[int, ...], key: tuple[Any, ...]
) -> Released:
    """One released figure, cached per analyst, filters, installation and data version: the
    guard has already let this analyst see exactly this result, so showing it again reveals
    nothing; new data, a policy change or a restriction changes the version (a new entry)."""
    engine, at = storage().engine, now()
    guard, period = Guard(engine, analyst, at), Period(*days)
    if name == "weekly_lines":
        return overview.weekly_lines(engine, guard, period, teams, at)
    make: Callable[..., Released] = getattr(overview, name)
    return make(engine, guard, period, teams)


def guarded(name: str, account: Account, period: Period, team_ids: frozenset[int]) -> Released:
    """The figure ``name`` of ``analytics.overview`` for this account and filters."""
    engine = storage().engine
    key = (str(engine.url), *data_version(engine))
    days = (period.first, period.last)
    return _figure(name, account.username, days, tuple(sorted(team_ids)), key)


def released_or_warn(make: Callable[[], Released]) -> Released | None:
    """The released cells, or None after a warning when the guard refuses the filter."""
    try:
        return make()
    except GuardRefused as exc:
        st.warning(f"Not shown: {exc}.")
        return None


def covered(released: Released) -> tuple[int, int]:
    """The fewest and the most people one shown figure covers ((0, 0) when none is shown).

    Per figure, not a total over the chart: a count of everyone across the shown cells,
    beside each cell's own, would tell how many people only the hidden cells hold."""
    people = released.shown["people"]
    if not len(people):
        return 0, 0
    return int(people.min()), int(people.max())  # type: ignore[arg-type]


def caption(released: Released, what: str) -> None:
    """Say how many people each figure of a chart covers and how many cells are hidden."""
    hidden_cells = int(released.cells["suppressed"].sum())
    note = f" {hidden_cells} cell(s) hidden: {hidden(released.k)}." if hidden_cells else ""
    fewest, most = covered(released)
    span = f"{most} people" if fewest == most else f"{fewest} to {most} people"
    each = "each figure covers" if len(released.shown) > 1 else "covers"
    st.caption(f"{what}: {each} {span} (k = {released.k}).{note}")


def charted(released: Released, values: list[str]) -> pd.DataFrame:
    """The cells for a bar chart: a hidden cell at 0, labelled "fewer than k people" (its
    ``note``), so the chart says it is there instead of leaving it out."""
    text = hidden(released.k)
    return released.cells.with_columns(
        *(pl.col(c).fill_null(0.0) for c in values),
        pl.when(pl.col("suppressed")).then(pl.lit(text)).otherwise(pl.lit("")).alias("note"),
    ).to_pandas()


def label_hidden(figure: Any) -> Any:
    """Show each bar's ``note`` (only hidden cells have one) beside it."""
    return figure.update_traces(textposition="outside", cliponaxis=False)


def table(released: Released, labels: dict[str, str]) -> pd.DataFrame:
    """The cells for display: suppressed values read "fewer than k people"."""
    text = hidden(released.k)
    keys = [c for c in released.cells.columns if c not in labels and c not in FLAGS]
    shown = released.cells.select(
        *keys,
        *(
            pl.when(pl.col("suppressed"))
            .then(pl.lit(text))
            .otherwise(pl.col(c).round(2).cast(pl.String))
            .alias(label)
            for c, label in labels.items()
        ),
        pl.when(pl.col("suppressed"))
        .then(pl.lit(text))
        .otherwise(pl.col("people").cast(pl.String))
        .alias("people"),
    )
    return shown.to_pandas()


@st.cache_data(max_entries=256, show_spinner=False)
def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The shown cells as CSV (UTF-8, no index)."""
    return frame.to_csv(index=False).encode()


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Shown text cells that hold numbers as numbers, so a spreadsheet can sum them;
    "fewer than k people" and other words stay text."""

    def cell(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in value else number

    return frame.map(cell)


@st.cache_data(max_entries=256, show_spinner=False)  # a rerun does not rebuild a workbook
def excel_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    """The shown cells as an Excel workbook (one sheet, header row, no index)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _typed(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def downloads(frame: pd.DataFrame, name: str) -> None:
    """CSV and Excel downloads of exactly the aggregates shown (suppressed cells in words)."""
    left, right = st.columns(2)
    left.download_button(
        "Download CSV", csv_bytes(frame), f"{name}.csv", "text/csv", key=f"csv-{name}"
    )
    right.download_button(
        "Download Excel",
        excel_bytes(frame, name),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx-{name}",
    )


def colours(names: list[Any]) -> dict[str, str]:
    """One colour per category, the same on every chart."""
    return {str(n): CATEGORY_COLOURS.get(str(n), "#bcbd22") for n in names}


def team_colours(names: list[Any]) -> dict[str, str]:
    """One colour per team, the same on every chart and for every manager (its place among
    all the organisation's teams, by name)."""
    everyone = sorted(team_names(storage().engine).values())
    place = {name: i for i, name in enumerate(everyone)}
    return {
        str(n): TEAM_COLOURS[place.get(str(n), len(everyone)) % len(TEAM_COLOURS)] for n in names
    }
