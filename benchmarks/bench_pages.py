"""Every workbench page under every role, in headless chromium, on the 1,000-person demo.

Starts `traq app` on a demo installation (default 1,000 people, 90 days; made once with
--keep), signs in as the demo admin, DPO, the manager of the largest team and an employee,
each in a browser of their own, and opens every page of that role's navigation from its
sidebar link. Two passes:

- first visit: a browser that has never loaded the workbench (it fetches and compiles the
  chart and table scripts), on a fresh server: each page cold (its first visit since the
  server started), then warm (the median of later visits);
- returning: the same browsers (scripts cached, as on any later day) on a restarted server,
  so every page is cold again on the server.

Per page it times, from the click:

- ``title``: the page's title shown (Streamlit has started drawing the page);
- ``content``: its first content shown: the first element of this run that is not a
  heading or a caption (a figure, a chart with its SVG, a table with its canvas, a form
  field, a notice, a paragraph);
- ``done``: the page's last change on screen, once Streamlit is idle, every plotly chart has
  drawn and nothing has changed for two seconds (a MutationObserver records each change).

A role's landing page is first seen right after sign-in: its cold figures run from the
click on "Sign in". A bare Streamlit page with one empty chart is drawn in the same run as
the baseline. Target: every page's first content under 2 s, cold and warm, first visit and
returning; the report also names the pages not ``done`` within 2 s. Last line: one JSON
object with the figures.

    python benchmarks/bench_pages.py [--employees 1000] [--days 90] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from bench_app import (
    ARGS,
    BARE,
    CHROMIUM,
    TYPING_S,
    a_manager,
    demo_installation,
    drawn,
    serve,
)

from traq.demo.accounts import ADMIN, DPO

TARGET_S = 2.0
WARM_VISITS = 2
STATUS = '[data-testid="stStatusWidget"]'
# The page's title, drawn by this run (Streamlit marks the previous page's elements stale).
FRESH_TITLE = (
    "Array.from(document.querySelectorAll("
    '\'[data-testid="stMain"] [data-stale="false"] h1\'))'
    ".some(h => h.textContent.trim() !== {old})"
)
# The first content of this run: an element that is not a heading or caption, and drawn.
FIRST_CONTENT = """
Array.from(document.querySelectorAll(
  '[data-testid="stMain"] [data-testid="stElementContainer"][data-stale="false"]'
)).some(e => {
  if (e.querySelector('[data-testid="stHeading"], [data-testid="stCaptionContainer"]')) {
    return false;
  }
  if (e.offsetHeight === 0) return false;  // hidden, or nothing drawn yet
  if (e.querySelector('[data-testid="stPlotlyChart"]')) return !!e.querySelector('.main-svg');
  if (e.querySelector('[data-testid="stDataFrame"]')) return !!e.querySelector('canvas');
  return true;
})
"""
# Records when the page last changed: "done" is the last change before a quiet spell.
WATCH_CHANGES = """
window.__lastChange = performance.now();
new MutationObserver(() => { window.__lastChange = performance.now(); }).observe(document, {
  subtree: true, childList: true, attributes: true, characterData: true });
"""
QUIET_MS = 2_000  # no change for this long, Streamlit idle and every chart drawn: done
SETTLED = f"""
!document.querySelector('[data-testid="stStatusWidget"]')
&& Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot'))
     .every(c => c.querySelector('.main-svg'))
&& performance.now() - window.__lastChange > {QUIET_MS}
"""


def accounts(folder: Path) -> dict[str, str]:
    """The demo account signed in for each role."""
    with sqlite3.connect(folder / "traq.db") as connection:
        employee = connection.execute(
            "select username from users where role = 'employee' order by id limit 1"
        ).fetchone()[0]
    return {"admin": ADMIN, "dpo": DPO, "manager": a_manager(folder), "employee": str(employee)}


def title_of(page: Any) -> str:
    """The current page's title ('' on none)."""
    heading = page.locator('[data-testid="stMain"] h1').first
    return heading.inner_text(timeout=1_000).strip() if heading.count() else ""


class Timing(NamedTuple):
    """Seconds from a click to the page's title, first content and last change."""

    title: float
    content: float
    done: float


def settle(page: Any, old_title: str, start_ms: float) -> Timing:
    """The timing of the page drawn after a click at ``start_ms`` (the page's clock)."""

    def since_start() -> float:
        return (float(page.evaluate("performance.now()")) - start_ms) / 1000

    page.wait_for_function(FRESH_TITLE.format(old=json.dumps(old_title)), timeout=120_000)
    title_s = since_start()
    page.wait_for_function(FIRST_CONTENT, timeout=120_000, polling="raf")
    content_s = since_start()
    page.wait_for_function(SETTLED, timeout=120_000, polling=100)
    done_s = (float(page.evaluate("window.__lastChange")) - start_ms) / 1000
    return Timing(title_s, content_s, done_s)


def click_at(page: Any, target: Any) -> float:
    """Click ``target``; the page's clock just before the click."""
    start_ms = float(page.evaluate("performance.now()"))
    target.click()
    return start_ms


def sidebar_links(page: Any) -> list[str]:
    """The labels of the navigation's links, in order."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [links.nth(i).inner_text().strip() for i in range(links.count())]


def visit(page: Any, label: str) -> Timing:
    """Click the sidebar link ``label``; the page's timing."""
    old = title_of(page)
    link = page.locator('[data-testid="stSidebarNav"] a', has_text=label).first
    return settle(page, old, click_at(page, link))


def sweep_role(
    context: Any, url: str, user: str, password: str, warm_visits: int
) -> dict[str, dict[str, float]]:
    """Sign in as ``user`` in a new tab of ``context`` and time every page of its navigation."""
    page = context.new_page()
    page.goto(url)
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password", exact=True).fill(password)
    time.sleep(TYPING_S)  # a person types; the server warms up (app/warmup.py) meanwhile
    start_ms = click_at(page, page.get_by_role("button", name="Sign in"))
    landing = settle(page, "Sign in to TraqNext", start_ms)
    labels = sidebar_links(page)  # the first is the landing page: its cold visit is sign-in
    cold = {labels[0]: landing} | {label: visit(page, label) for label in labels[1:]}
    warm: dict[str, list[Timing]] = {label: [] for label in labels}
    for _ in range(warm_visits):
        for label in labels:
            warm[label].append(visit(page, label))
    figures: dict[str, dict[str, float]] = {}
    for label in labels:
        figures[label] = {f"{name}_cold_s": value for name, value in cold[label]._asdict().items()}
        for name in Timing._fields if warm[label] else ():
            figures[label][f"{name}_warm_s"] = statistics.median(
                getattr(t, name) for t in warm[label]
            )
        figures[label] = {name: round(value, 3) for name, value in figures[label].items()}
    page.close()
    return figures


def bare_page(browser: Any, bare_url: str) -> float:
    """Median seconds to draw a bare page with one empty chart (first load not counted)."""
    page = browser.new_page()
    samples = []
    for _ in range(4):
        start = time.perf_counter()
        page.goto(bare_url)
        drawn(page, 1)
        samples.append(time.perf_counter() - start)
    page.close()
    return statistics.median(samples[1:])


Figures = dict[str, dict[str, dict[str, float]]]  # role -> page -> figure -> seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--keep", type=Path, help="reuse or keep the installation here")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env, password = demo_installation(folder, args.employees, args.days)
    bare_script = folder / "bare_page.py"
    bare_script.write_text(BARE)
    command = [sys.executable, "-m", "traq.main", "app"]
    app, url = serve(command, env)
    bare, bare_url = serve([sys.executable, "-m", "streamlit", "run", str(bare_script),
                            "--server.headless", "true",
                            "--browser.gatherUsageStats", "false"], env)  # fmt: skip
    from playwright.sync_api import sync_playwright

    first: Figures = {}
    returning: Figures = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            baseline = bare_page(browser, bare_url)
            users = accounts(folder)
            contexts = {role: browser.new_context(viewport={"width": 1400, "height": 900})
                        for role in users}  # fmt: skip
            for role, user in users.items():
                contexts[role].add_init_script(WATCH_CHANGES)
                first[role] = sweep_role(contexts[role], url, user, password, WARM_VISITS)
            app.terminate()  # a new server on the same origin: cold caches, cached scripts
            app.wait(timeout=20)
            app, url = serve(command, env, port=int(url.rsplit(":", 1)[1]))
            for role, user in users.items():
                returning[role] = sweep_role(contexts[role], url, user, password, 0)
            browser.close()
    finally:
        for process in (app, bare):
            process.terminate()
            process.wait(timeout=20)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(report(first, returning, baseline, args.employees, args.days))


def report(first: Figures, returning: Figures, baseline: float, employees: int,
           days: int) -> str:  # fmt: skip
    """A table of every page's figures, then the JSON summary line."""
    lines = [
        f"{'':<40} {'first visit, cold':>23} {'warm':>15} {'returning':>15}",
        f"{'role':<9} {'page':<30} {'title':>7} {'content':>7} {'done':>7} "
        f"{'content':>7} {'done':>7} {'content':>7} {'done':>7}",
    ]
    contents: list[float] = []
    slow: list[str] = []
    for role, pages in first.items():
        for label, f in pages.items():
            r = returning[role][label]
            contents += [f["content_cold_s"], f["content_warm_s"], r["content_cold_s"]]
            if max(f["done_warm_s"], r["done_cold_s"]) > TARGET_S:
                slow.append(f"{role}/{label}")
            lines.append(
                f"{role:<9} {label:<30} {f['title_cold_s']:>7.2f} {f['content_cold_s']:>7.2f} "
                f"{f['done_cold_s']:>7.2f} {f['content_warm_s']:>7.2f} {f['done_warm_s']:>7.2f} "
                f"{r['content_cold_s']:>7.2f} {r['done_cold_s']:>7.2f}"
            )
    slowest_first_visit = max(f["done_cold_s"] for p in first.values() for f in p.values())
    summary = {
        "employees": employees, "days": days, "bare_page_s": round(baseline, 3),
        "first_visit": first, "returning": returning,
        "slowest_first_content_s": max(contents),
        "slowest_first_content_over_bare": round(max(contents) / (baseline or 1e-9), 2),
        "slowest_done_first_visit_s": slowest_first_visit,
        "target_s": TARGET_S, "first_content_target_met": max(contents) <= TARGET_S,
        "not_done_within_target_warm_or_returning": slow,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }  # fmt: skip
    return "\n".join([*lines, json.dumps(summary)])


if __name__ == "__main__":
    main()
