"""The files of an export: JSON, CSV, an ActivityWatch export, the Article 15 summary, a ZIP.

Purposes, categories, legal bases and recipients come from the data contracts (the record of
processing); retention periods from the ``retention_days`` policy.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import zipfile
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from analytics.imports.aw_export import activitywatch_export
from data_contracts.declarations import CONTRACTS
from services.cells import neutralise
from services.rights.export_data import Holdings

# Columns holding epoch seconds (minute rows, spans, screenshots, rollups).
EPOCH_COLUMNS = frozenset(
    {"minute", "start_ts", "end_ts", "taken_at", "slot_start", "first_ts", "last_ts"}
)

# Export dataset -> contract dataset (the record of processing that covers it).
CONTRACT_OF = {"profile": "people", "accounts": "people"}
COLUMN_CATEGORY = {("app_spans", "title"): "window titles (decrypted for you)"}
RETENTION_OVERRIDE = {("app_spans", "title"): "window_titles"}
SUPERVISORY = (
    "You may lodge a complaint with a supervisory authority, in particular in the member "
    "state of your habitual residence, place of work or of the alleged infringement "
    "(GDPR Art. 77)."
)
RIGHTS = (
    "access (Art. 15)", "rectification (Art. 16)", "erasure (Art. 17)",
    "restriction of processing (Art. 18)", "data portability (Art. 20)",
    "objection (Art. 21)", "withdrawal of consent at any time (Art. 7(3))",
)  # fmt: skip
SOURCE = (
    "Collected from you: the TraqNext collector on your devices (activity counts, "
    "applications and window titles, screenshots), and your employer's HR records (profile)."
)


def _contract(dataset: str) -> Any:
    return CONTRACTS.get(CONTRACT_OF.get(dataset, dataset))


def _retention(dataset: str, column: str | None, policy: dict[str, int]) -> str:
    key = RETENTION_OVERRIDE.get((dataset, column or "")) if column else None
    contract = _contract(dataset)
    key = key or (contract.retention_key if contract is not None else None)
    if key is None:
        return "for as long as you are employed"
    days = policy.get(key)
    return f"{days} days" if days is not None else "see the retention policy"


def column_categories(holdings: Holdings) -> dict[str, dict[str, str]]:
    """The data category of every exported column, per dataset."""
    result: dict[str, dict[str, str]] = {}
    for dataset, rows in holdings.datasets.items():
        contract = _contract(dataset)
        default = contract.category if contract is not None else "access and processing log"
        columns = list(rows[0]) if rows else []
        result[dataset] = {c: COLUMN_CATEGORY.get((dataset, c), default) for c in columns}
    return result


def to_json(rows: list[dict[str, Any]]) -> bytes:
    """Rows as a JSON array, one row a line.

    Why not ``indent=2``: an indented dump runs json's pure-Python encoder, about ten times
    slower than the C one on the ~40,000 minute rows of a quarter (issue 6 benchmark).
    """
    lines = ",\n".join(json.dumps(row, sort_keys=True, ensure_ascii=False) for row in rows)
    return f"[\n{lines}\n]\n".encode() if rows else b"[]\n"


def with_readable_times(rows: list[dict[str, Any]], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Rows where each epoch-seconds column (``EPOCH_COLUMNS``) is followed by the same time
    in ISO 8601, in UTC and in the person's time zone: a CSV is read by people, who cannot
    read 1793863980. The epoch column stays, for programs that re-import it."""
    if not rows:
        return rows
    epochs = [c for c in rows[0] if c in EPOCH_COLUMNS]
    if not epochs:
        return rows
    readable = []
    for row in rows:
        out: dict[str, Any] = {}
        for column, value in row.items():
            out[column] = value
            if column in epochs:
                moment = None if value is None else datetime.fromtimestamp(int(value), UTC)
                out[f"{column}_utc"] = moment.isoformat() if moment else None
                out[f"{column}_local"] = moment.astimezone(zone).isoformat() if moment else None
        readable.append(out)
    return readable


def to_csv(rows: list[dict[str, Any]], zone: ZoneInfo | None = None) -> bytes:
    """Rows as CSV with a header (nested values as JSON, formulas neutralised); with
    ``zone``, epoch times also in ISO 8601 UTC and local (``with_readable_times``)."""
    if zone is not None:
        rows = with_readable_times(rows, zone)
    out = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.writer(out)
    writer.writerow(columns)
    # csv.writer over value lists: DictWriter checks every key of every row, twice as slow.
    writer.writerows(
        [neutralise(json.dumps(v) if isinstance(v, dict | list) else v) for v in row.values()]
        for row in rows
    )
    return out.getvalue().encode("utf-8")


def activitywatch(holdings: Holdings, now: datetime) -> bytes:
    """The activity as an ActivityWatch export (``analytics.imports.aw_export``)."""
    return activitywatch_export(holdings.datasets, holdings.device_names, now)


def summary_html(
    holdings: Holdings, policy: dict[str, int], request_id: int, now: datetime
) -> bytes:
    """The Article 15 summary: purposes, categories, recipients, retention, source, rights."""
    rows = []
    for dataset, records in holdings.datasets.items():
        contract = _contract(dataset)
        if contract is None:
            continue
        cells = (
            dataset, contract.category, contract.purpose, contract.legal_basis,
            ", ".join(contract.recipients), _retention(dataset, None, policy), str(len(records)),
        )  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    titles = _retention("app_spans", "title", policy)
    rights = "".join(f"<li>{html.escape(r)}</li>" for r in RIGHTS)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your data held by TraqNext</title></head>
<body>
<h1>Your data held by TraqNext</h1>
<p>Request {request_id}, generated {html.escape(now.isoformat())}. This archive holds every
record about you, as JSON and CSV (<code>data/</code>), your screenshots as image files
(<code>screenshots/</code>) and your activity as an ActivityWatch export
(<code>activitywatch.json</code>); <code>manifest.json</code> lists every file with its SHA-256
checksum and the data category of each column.</p>
<h2>What we hold, why, who receives it and for how long</h2>
<table border="1"><tr><th>dataset</th><th>category</th><th>purpose</th><th>legal basis</th>
<th>recipients</th><th>retention</th><th>records</th></tr>
{"".join(rows)}
</table>
<p>Window titles are kept for {html.escape(titles)}. Managers only ever see aggregates of
at least k people; no data is transferred outside the organisation or used for automated
decisions about you.</p>
<h2>Source</h2><p>{html.escape(SOURCE)}</p>
<h2>Your rights</h2><ul>{rights}</ul>
<p>{html.escape(SUPERVISORY)}</p>
</body></html>
"""
    return page.encode("utf-8")


def build_zip(files: dict[str, bytes], manifest: dict[str, Any]) -> bytes:
    """A ZIP of ``files`` plus ``manifest.json`` listing each with its SHA-256 and size."""
    manifest["files"] = [
        {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for name, data in sorted(files.items())
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    return out.getvalue()
