"""The DPO's audit lines without a database: runs of views fold into one line with a
count (only views, only one actor's, only consecutive), and the CSV carries ISO 8601 times
in UTC and local time, names beside references, and no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from services.rights.auditlog import Entry, grouped, log_csv

AT = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night Europe/Berlin moves to summer time


def _entry(seq: int, action: str, actor: str = "user:2", subject: str | None = None) -> Entry:
    return Entry(seq, AT - timedelta(minutes=seq), actor, action, subject, {})


def test_consecutive_views_by_one_actor_are_one_line_with_a_count() -> None:
    entries = [
        _entry(5, "request.viewed"),
        _entry(4, "request.viewed"),
        _entry(3, "request.viewed"),
    ]
    [row] = grouped(entries)
    assert (row.count, row.first.seq, row.last.seq) == (3, 5, 3)


def test_a_change_another_actor_or_another_view_kind_breaks_the_run() -> None:
    entries = [
        _entry(9, "requests.listed"),
        _entry(8, "requests.listed"),
        _entry(7, "request.viewed"),  # another kind of view
        _entry(6, "request.viewed", actor="user:3"),  # another actor
        _entry(5, "request.extended"),  # a change, never folded
        _entry(4, "request.extended"),
        _entry(3, "request.viewed"),
    ]
    assert [(r.first.seq, r.count) for r in grouped(entries)] == [
        (9, 2), (7, 1), (6, 1), (5, 1), (4, 1), (3, 1)
    ]  # fmt: skip


def test_the_csv_has_utc_and_local_iso_times_and_names_beside_references() -> None:
    rows = grouped([_entry(1, "account.signed_in", subject="person:7")])
    names = {"user:2": "dpo", "person:7": "Ada Lovelace"}
    [line] = csv.DictReader(io.StringIO(log_csv(rows, names, "Europe/Berlin").decode()))
    assert line["at_utc"] == "2026-03-29T00:29:00+00:00"
    assert line["at_local (Europe/Berlin)"] == "2026-03-29T01:29:00+01:00"
    assert (line["actor_name"], line["subject_name"]) == ("dpo", "Ada Lovelace")
    assert line["count"] == "1"


def test_no_csv_cell_starts_with_a_formula_character() -> None:
    hostile = ['=HYPERLINK("http://x")', "+1+cmd", "-2+3", "@SUM(A1)"]
    rows = grouped([_entry(i + 1, "request.filed", subject="person:7") for i in range(4)])
    names = {"user:2": hostile[0], "person:7": hostile[1]}
    rows += grouped([Entry(9, AT, "user:4", hostile[3], None, {"why": hostile[2]})])
    names["user:4"] = hostile[2]
    table = list(csv.reader(io.StringIO(log_csv(rows, names, "UTC").decode())))
    cells = [cell for line in table[1:] for cell in line]
    assert not [cell for cell in cells if cell and cell[0] in "=+-@"]
    assert '\'=HYPERLINK("http://x")' in cells and "'@SUM(A1)" in cells
