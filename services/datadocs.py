"""Great Expectations Data Docs for the DPO: built into the data folder, readable offline.

GE renders its Data Docs with Bootstrap, jQuery and Vega fetched from public CDNs, and its
index table is filled in by JavaScript. Nothing may leave the building and the DPO may read
the site on an air-gapped machine, so after GE writes the site every page is cleaned:
external scripts, style sheets and images are removed, links to the outside lose their
address, and inline scripts (which only drive the CDN libraries) go too; sample row values
are dropped from the results before rendering. The index is then
replaced by a plain HTML table of the validations. The site is built in a scratch folder
and swapped in whole, so a reader never sees half a site.

Great Expectations is imported only inside ``validate_with_docs`` (it costs ~3 s and ~300 MB).
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from data_contracts import CONTRACTS, ContractError
from services.errors import DataDocsFailed

SITE = "traq"
_EXTERNAL = r"""["'](?:https?:)?//[^"']*["']"""
_SCRUB = [
    re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I),  # every script: CDN-bound
    re.compile(rf"<link\b[^>]*href={_EXTERNAL}[^>]*>", re.I),
    re.compile(rf"<img\b[^>]*src={_EXTERNAL}[^>]*>", re.I),
    re.compile(r"\son[a-z]+\s*=\s*(?:\"[^\"]*\"|'[^']*')", re.I),  # inline event handlers
]
_VALUE_KEYS = (
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
    "unexpected_list",
    "unexpected_index_list",
    "unexpected_index_query",
)
_VERDICTS = {True: '<span class="ok">pass</span>', False: '<span class="fail">FAILED</span>'}
_OUTSIDE_LINK = re.compile(rf"\shref={_EXTERNAL}", re.I)
_STYLE = (
    "<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
    "td,th{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}"
    ".ok{color:#064}.fail{color:#a00;font-weight:bold}</style>"
)


@dataclass(frozen=True)
class DocsPage:
    """One validation page of the site: its dataset, when it ran, and its path in the site."""

    dataset: str
    run: str
    path: str


def scrub(html: str) -> str:
    """``html`` without anything that reaches outside the site or runs script."""
    for pattern in _SCRUB:
        html = pattern.sub("", html)
    html = _OUTSIDE_LINK.sub("", html)
    return html.replace("</head>", _STYLE + "</head>", 1)


def _site_config(folder: Path) -> dict[str, Any]:
    return {
        "class_name": "SiteBuilder",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(folder),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def pages(site: Path) -> list[DocsPage]:
    """The validation pages of the site at ``site``, in dataset order."""
    found = []
    for page in sorted((site / "validations").glob("*/*/*/*.html")):
        suite, _, run, _ = page.relative_to(site / "validations").parts
        # The runner names each suite "<dataset>_<6 hex>" (unique per run).
        found.append(DocsPage(suite.rsplit("_", 1)[0], run, page.relative_to(site).as_posix()))
    return found


def _index(site: Path, outcomes: list[dict[str, Any]], built_at: str) -> str:
    by_dataset = {p.dataset: p for p in pages(site)}
    rows = []
    for outcome in outcomes:
        page = by_dataset.get(outcome["dataset"])
        link = f'<a href="{escape(page.path)}">{escape(outcome["dataset"])}</a>' if page else ""
        verdict = _VERDICTS[bool(outcome["success"])]
        failed = len([e for e in outcome["expectations"] if not e["success"]])
        rows.append(
            f"<tr><td>{link or escape(outcome['dataset'])}</td><td>{verdict}</td>"
            f"<td>{len(outcome['expectations'])}</td><td>{failed}</td>"
            f"<td>{escape(outcome['run_at'])}</td></tr>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Data Docs</title>{_STYLE}</head><body><h1>Data contracts: Data Docs</h1>"
        f"<p>Built {escape(built_at)}. One page per dataset: every expectation with its "
        "observed values.</p><table><tr><th>dataset</th><th>result</th><th>expectations</th>"
        f"<th>failed</th><th>validated at</th></tr>{''.join(rows)}</table></body></html>"
    )


def _forget_values(context: Any) -> None:
    """Drop sample row values from the stored results before GE renders them.

    GE keeps up to 20 unexpected values of each failing expectation, which may be personal
    (an e-mail address, an application name); the site shows counts and types only.
    """
    store = context.validation_results_store
    for key in store.list_keys():
        run = store.get(key)
        for result in run.results:
            for name in _VALUE_KEYS:
                (result.result or {}).pop(name, None)
        store.set(key, run)


def _finish(scratch: Path, outcomes: list[dict[str, Any]]) -> None:
    for page in scratch.rglob("*.html"):
        page.write_text(scrub(page.read_text(encoding="utf-8")), encoding="utf-8")
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    (scratch / "index.html").write_text(_index(scratch, outcomes, built_at), encoding="utf-8")


def _swap(scratch: Path, site: Path) -> None:
    """Replace ``site`` by ``scratch`` with two renames (a reader sees one or the other)."""
    old = site.with_name(site.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        site.rename(old)
    scratch.rename(site)
    shutil.rmtree(old, ignore_errors=True)


def validate_with_docs(
    engine: Engine, site: Path, on_dataset: Callable[[str], object] | None = None
) -> list[dict[str, Any]]:
    """Run every contract (Great Expectations) and rebuild the Data Docs at ``site``.

    Returns the outcomes as dictionaries (``ContractOutcome.as_dict``), for the audit.
    ``on_dataset`` is called with each dataset's name before it is validated. Raises
    DataDocsFailed (one line) when validation or the site cannot be done.
    """
    from data_contracts.runner import open_context, validate_database  # imports GE

    scratch = site.with_name(site.name + ".new")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.parent.mkdir(parents=True, exist_ok=True)
    context = open_context()
    context.add_data_docs_site(SITE, _site_config(scratch))
    outcomes = []
    for dataset in CONTRACTS:
        if on_dataset is not None:
            on_dataset(dataset)
        try:
            outcomes += [o.as_dict() for o in validate_database(engine, [dataset], context)]
        except ContractError as exc:
            raise DataDocsFailed(str(exc)) from exc
    try:
        _forget_values(context)
        context.build_data_docs(site_names=[SITE])
    except Exception as exc:  # GE raises many types; translate at the boundary
        name = type(exc).__name__
        raise DataDocsFailed(f"Great Expectations could not build the Data Docs ({name})") from exc
    try:
        _finish(scratch, outcomes)
        _swap(scratch, site)
    except OSError as exc:
        raise DataDocsFailed(f"cannot write the Data Docs to {site} ({exc.strerror})") from exc
    return outcomes


def zipped(site: Path) -> bytes:
    """The whole site as a zip archive (open ``index.html`` inside it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(site.rglob("*")):
            if path.is_file():
                archive.write(path, Path("data-docs") / path.relative_to(site))
    return buffer.getvalue()
