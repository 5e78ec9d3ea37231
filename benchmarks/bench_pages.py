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
- ``done``: the page's last change on screen, once Streamlit is idle, every plotly chart has
  drawn and nothing has changed for two seconds (a MutationObserver records each change).

A role's landing page is first seen right after sign-in: its cold figures run from the
click on "Sign in". A bare Streamlit page
with one empty chart is drawn in the same run as the baseline. Target: every page's first
content (its title) under 2 s in every case; the report also says which pages are not
``done`` within 2 s. Last line: one JSON object with the figures.

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
from typing import Any

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

TARGET_S = 2.0
WARM_VISITS = 2
STATUS = '[data-testid="stStatusWidget"]'
# The page's title, drawn by this run (Streamlit marks the previous page's elements stale).
FRESH_TITLE = (
    "Array.from(document.querySelectorAll("
    '\'[data-testid="stMain"] [data-stale="false"] h1\'))'
    ".some(h => h.textContent.trim() !== {old})"
)
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
    return {"admin": "demo-admin", "dpo": "demo-dpo", "manager": a_manager(folder),
            "employee": str(employee)}  # fmt: skip


def title_of(page: Any) -> str:
    """The current page's title ('' on none)."""
    heading = page.locator('[data-testid="stMain"] h1').first
    return heading.inner_text(timeout=1_000).strip() if heading.count() else ""


def settle(page: Any, old_title: str, start_ms: float) -> tuple[float, float]:
    """Seconds from ``start_ms`` (the page's clock) to a new title, and to its last change."""
    page.wait_for_function(FRESH_TITLE.format(old=json.dumps(old_title)), timeout=120_000)
    title_s = (page.evaluate("performance.now()") - start_ms) / 1000
    page.wait_for_function(SETTLED, timeout=120_000, polling=100)
    return title_s, (page.evaluate("window.__lastChange") - start_ms) / 1000


def click_at(page: Any, target: Any) -> float:
    """Click ``target``; the page's clock just before the click."""
    start_ms = float(page.evaluate("performance.now()"))
    target.click()
    return start_ms


def sidebar_links(page: Any) -> list[str]:
    """The labels of the navigation's links, in order."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    return [links.nth(i).inner_text().strip() for i in range(links.count())]


def visit(page: Any, label: str) -> tuple[float, float]:
    """Click the sidebar link ``label``; (title_s, done_s)."""
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
    warm: dict[str, list[tuple[float, float]]] = {label: [] for label in labels}
    for _ in range(warm_visits):
        for label in labels:
            warm[label].append(visit(page, label))
    figures: dict[str, dict[str, float]] = {}
    for label in labels:
        figures[label] = {"title_cold_s": cold[label][0], "done_cold_s": cold[label][1]}
        if warm[label]:
            figures[label]["title_warm_s"] = statistics.median(t for t, _ in warm[label])
            figures[label]["done_warm_s"] = statistics.median(d for _, d in warm[label])
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
        f"{'':<48} {'first visit':>32} {'returning':>16}",
        f"{'role':<9} {'page':<38} {'title':>7} {'done':>7} {'warm':>7} {'title':>7} "
        f"{'title':>7} {'done':>7}",
        f"{'':<48} {'cold':>7} {'cold':>7} {'done':>7} {'warm':>7} {'cold':>7} {'cold':>7}",
    ]
    titles: list[float] = []
    slow: list[str] = []
    for role, pages in first.items():
        for label, f in pages.items():
            r = returning[role][label]
            titles += [f["title_cold_s"], f["title_warm_s"], r["title_cold_s"]]
            if max(f["done_warm_s"], r["done_cold_s"]) > TARGET_S:
                slow.append(f"{role}/{label}")
            lines.append(
                f"{role:<9} {label:<38} {f['title_cold_s']:>7.2f} {f['done_cold_s']:>7.2f} "
                f"{f['done_warm_s']:>7.2f} {f['title_warm_s']:>7.2f} {r['title_cold_s']:>7.2f} "
                f"{r['done_cold_s']:>7.2f}"
            )
    slowest_first_visit = max(f["done_cold_s"] for p in first.values() for f in p.values())
    summary = {
        "employees": employees, "days": days, "bare_page_s": round(baseline, 3),
        "first_visit": first, "returning": returning,
        "slowest_first_content_s": max(titles),
        "slowest_done_first_visit_s": slowest_first_visit,
        "slowest_done_first_visit_over_bare": round(slowest_first_visit / (baseline or 1e-9), 2),
        "target_s": TARGET_S, "first_content_target_met": max(titles) <= TARGET_S,
        "done_over_target_returning_or_warm": slow,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }  # fmt: skip
    return "\n".join([*lines, json.dumps(summary)])


if __name__ == "__main__":
    main()
