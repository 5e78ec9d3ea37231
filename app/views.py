"""Shared drawing helpers: published figures, suppressed cells in words, people covered,
downloads, colours."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import polars as pl
import streamlit as st

from analytics import Period
from analytics import overview as dashboard
from analytics.publication.figures import Figure
from analytics.publication.read import folded_into, publication_version
from app.context import storage
from app.file_names import about_stem
from app.text import literal
from services.accounts import team_names
from services.cells import neutralise

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
FLAGS = ["people", "person_days", "suppressed"]


def hidden(k: int) -> str:
    """What a suppressed cell reads."""
    return f"fewer than {k} people"


@st.cache_data(ttl=3600, max_entries=512, show_spinner=False)
def _figure(
    name: str, days: tuple[date, date], teams: tuple[int, ...], key: tuple[Any, ...]
) -> Figure:
    """One figure from the publications, cached per filters, installation and publication
    version (a published day never changes: only a newly published day makes a new entry).
    Not per account: the same filters give everyone allowed to ask the same figure."""
    make: Callable[..., Figure] = getattr(dashboard, name)
    return make(storage().engine, Period(*days), teams)


def published(name: str, period: Period, team_ids: frozenset[int]) -> Figure:
    """The figure ``name`` of ``analytics.overview`` for these filters."""
    engine = storage().engine
    key = (str(engine.url), *publication_version(engine))
    return _figure(name, (period.first, period.last), tuple(sorted(team_ids)), key)


def shown_or_say(figure: Figure, period: Period, team_ids: frozenset[int]) -> Figure | None:
    """The figure, or None after saying why there is none: the teams' people are counted
    in a larger unit (fewer than k of them), or there is no published data."""
    if not figure.cells.is_empty():
        return figure
    folded = folded_into(storage().engine, period, team_ids)
    if folded:
        names = team_names(storage().engine)
        where = "; ".join(
            f"{names.get(team, team)} is counted in the {names.get(unit, unit)} unit"
            for team, unit in sorted(folded.items())
        )
        st.warning(
            literal(
                f"Not shown: this filter covers {hidden(figure.k)}, too few to publish on "
                f"their own. {where}: its figures include them. Choose All my teams, or a "
                "longer period, to see more."
            )
        )
    else:
        st.info("No data: nothing is published for these teams in this period yet.")
    return None


def covered(figure: Figure) -> tuple[int, int]:
    """The fewest and the most people one published cell behind a shown row covers."""
    people = figure.shown["people"].drop_nulls()
    if not len(people):
        return 0, 0
    return int(people.min()), int(people.max())  # type: ignore[arg-type]


def caption(figure: Figure, what: str) -> None:
    """Say how many people each day's figures cover and how many rows are hidden."""
    hidden_rows = int(figure.cells["suppressed"].sum())
    note = f" {hidden_rows} hidden: {hidden(figure.k)}." if hidden_rows else ""
    fewest, most = covered(figure)
    span = f"{most} people" if fewest == most else f"{fewest} to {most} people"
    days = int(figure.shown["person_days"].sum() or 0)
    st.caption(
        f"{what}: each day's published figure covers {span} (k = {figure.k}); "
        f"{days} person-days, released once.{note}"
    )


def charted(figure: Figure, values: list[str]) -> pd.DataFrame:
    """The rows for a bar chart: a hidden row at 0, labelled "fewer than k people" (its
    ``note``), so the chart says it is there instead of leaving it out."""
    text = hidden(figure.k)
    return figure.cells.with_columns(
        *(pl.col(c).fill_null(0.0) for c in values),
        pl.when(pl.col("suppressed")).then(pl.lit(text)).otherwise(pl.lit("")).alias("note"),
    ).to_pandas()


def label_hidden(figure: Any) -> Any:
    """Show each bar's ``note`` (only hidden rows have one) beside it."""
    return figure.update_traces(textposition="outside", cliponaxis=False)


SHARES = frozenset({"activity_level", "productive_share", "share"})  # fractions of 1


def _as_shown(column: str) -> pl.Expr:
    """The cell as the page's metrics read it: shares as whole percent ("52 %", not 0.52)."""
    if column in SHARES:
        percent = (pl.col(column) * 100).round(0).cast(pl.Int64).cast(pl.String)
        return pl.concat_str([percent, pl.lit(" %")])
    return pl.col(column).cast(pl.String)


def table(figure: Figure, labels: dict[str, str]) -> pd.DataFrame:
    """The rows for display and download: suppressed values read "fewer than k people";
    values as rounded at the source (hours to the minute, shares in whole percent)."""
    text = hidden(figure.k)
    keys = [c for c in figure.cells.columns if c not in labels and c not in FLAGS]
    gone = pl.col("suppressed")
    shown = figure.cells.select(
        *keys,
        *(
            pl.when(gone).then(pl.lit(text)).otherwise(_as_shown(c)).alias(label)
            for c, label in labels.items()
        ),
        pl.when(gone)
        .then(pl.lit(text))
        .otherwise(pl.col("people").cast(pl.String))
        .alias("people"),
        pl.when(gone)
        .then(pl.lit(text))
        .otherwise(pl.col("person_days").cast(pl.String))
        .alias("person-days"),
    )
    return shown.to_pandas()


About = tuple[tuple[str, str], ...]  # what a download covers: (field, value) pairs
ABOUT_FIELDS = ("report", "period", "teams", "k", "units")
ABOUT_LINES = len(ABOUT_FIELDS) + 1  # and a blank line before the table


def report_about(
    report: str, period: Period, team_ids: frozenset[int], k: int, units: str
) -> About:
    """What a download covers: the report, period, teams (by name), k and units."""
    names = team_names(storage().engine)
    teams = ", ".join(sorted(names.get(t, str(t)) for t in team_ids)) or "none"
    span = f"{period.first} to {period.last}"
    values = (report, span, teams, f"{k} (cells of fewer people are not shown)", units)
    return tuple(zip(ABOUT_FIELDS, values, strict=True))


def file_name(name: str, about: About) -> str:
    """``name`` with the teams, period, k and units, as a file name (no extension)."""
    return about_stem(name, dict(about))


@st.cache_data(max_entries=256, show_spinner=False)
def csv_bytes(frame: pd.DataFrame, about: About = ()) -> bytes:
    """The shown cells as CSV (UTF-8, no index), formulas neutralised; ``about`` first, as
    rows of (field, value) and a blank line."""
    head = ""
    if about:
        buffer = io.StringIO()
        pd.DataFrame(list(about)).map(neutralise).to_csv(buffer, index=False, header=False)
        head = buffer.getvalue() + "\n"
    return (head + neutralise_frame(frame).to_csv(index=False)).encode()


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot run as formulas."""
    safe = frame.copy()
    for column in frame.columns:  # shown tables are small; neutralise skips non-text
        safe[column] = safe[column].map(neutralise)
    return safe.rename(columns={c: neutralise(c) for c in safe.columns})


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
def excel_bytes(frame: pd.DataFrame, sheet: str, about: About = ()) -> bytes:
    """The shown cells as an Excel workbook (the table's sheet, header row, no index), and
    an "about" sheet saying what it covers."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        # openpyxl stores text beginning with "=" as a formula: neutralise first.
        _typed(neutralise_frame(frame)).to_excel(writer, sheet_name=sheet[:31], index=False)
        if about:
            described = pd.DataFrame(list(about), columns=["field", "value"]).map(neutralise)
            described.to_excel(writer, sheet_name="about", index=False)
    return buffer.getvalue()


def downloads(frame: pd.DataFrame, name: str, about: About = ()) -> None:
    """CSV and Excel downloads of exactly the aggregates shown (suppressed cells in words),
    named and headed by what they cover (``about``: period, teams, k, units)."""
    left, right = st.columns(2)
    stem = file_name(name, about)
    left.download_button(
        "Download CSV", csv_bytes(frame, about), f"{stem}.csv", "text/csv", key=f"csv-{name}"
    )
    right.download_button(
        "Download Excel",
        excel_bytes(frame, name, about),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx-{name}",
    )


def plot_text(value: object) -> str:
    """Text for a Plotly label or hover: its "<b>", "<a href>" tags shown, not obeyed."""
    return html.escape(str(value), quote=False)


def colours(names: list[Any]) -> dict[str, str]:
    """One colour per category, the same on every chart."""
    return {str(n): CATEGORY_COLOURS.get(str(n), "#bcbd22") for n in names}


def team_colours(names: list[Any]) -> dict[str, str]:
    """One colour per team or unit, the same on every chart and for every manager (its
    host team's place among all the organisation's teams, by name). Two units of one host
    on one chart ("Platform + Legal" one day, "Platform + Legal + Design" another) would
    look like one line: the later, by name, takes the next colour not yet shown."""
    everyone = sorted(team_names(storage().engine).values())
    place = {name: i for i, name in enumerate(everyone)}
    shown: dict[str, str] = {}
    for name in sorted({str(n) for n in names}):
        i = place.get(name.split(" + ")[0], len(everyone))  # a unit: its host team's colour
        while len(shown) < len(TEAM_COLOURS) and TEAM_COLOURS[i % len(TEAM_COLOURS)] in (
            shown.values()
        ):
            i += 1
        shown[name] = TEAM_COLOURS[i % len(TEAM_COLOURS)]
    return shown
