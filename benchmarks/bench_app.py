"""Workbench benchmark: manager overview and trends in headless chromium, cold and warm.

Builds a temporary demo installation (default 1,000 people, 90 days), starts `traq app`,
signs in as a manager in Debian's chromium (Playwright, no browser download) and times,
from the click on a page's link to its last plotly chart drawn and Streamlit idle:
the overview (landing right after sign-in) and trends pages with a cold cache (first
visit), then warm (median of three later visits),
beside a bare page with one empty chart drawn in the same run. Targets: warm <= 1.5 s,
cold <= 4 s. Last line: one JSON object with the figures.

    python benchmarks/bench_app.py [--employees 1000] [--days 90] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TYPING_S = 3.0  # how long signing in takes a person, at the least
WARM_VISITS = 3  # warm figures are the median of this many visits
BARE = "import plotly.graph_objects as go\nimport streamlit as st\nst.plotly_chart(go.Figure())\n"


def traq(env: dict[str, str], *args: str) -> str:
    """Run `traq ARGS`; its stdout (exit on failure)."""
    result = subprocess.run(
        [sys.executable, "-m", "traq.main", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode:
        sys.exit(f"traq {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def serve(
    command: list[str], env: dict[str, str], port: int = 0
) -> tuple[subprocess.Popen[bytes], str]:
    """Start a Streamlit server (on ``port``, or a free one); its process and URL once healthy."""
    if not port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    process = subprocess.Popen(
        [*command, "--port", str(port)] if command[-1] == "app" else
        [*command, "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    sys.exit("the server did not start")


def drawn(page: Any, charts: int) -> None:
    """Wait for ``charts`` plotly charts and for Streamlit to be idle."""
    page.wait_for_function(
        # Not the sign-in page's hidden chart (app/warmup.py), still there for a moment.
        "document.querySelectorAll('.js-plotly-plot:not(.st-key-browser-warm-up *) .main-svg')"
        f".length >= {charts}",
        timeout=120_000,
    )
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=120_000)


def timed_visit(page: Any, link: str, title: str, charts: int) -> float:
    """Seconds from clicking ``link`` to its title shown and its charts drawn."""
    start = time.perf_counter()
    page.get_by_role("link", name=link).click()
    page.get_by_role("heading", name=title).first.wait_for(timeout=120_000)
    drawn(page, charts)
    return time.perf_counter() - start


def measure(url: str, bare_url: str, user: str, password: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    figures: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        bare = []
        for _ in range(1 + WARM_VISITS):  # the first load also fetches the bundle: not counted
            start = time.perf_counter()
            page.goto(bare_url)
            drawn(page, 1)
            bare.append(time.perf_counter() - start)
        figures["bare_page_s"] = statistics.median(bare[1:])
        page.goto(url)
        page.get_by_label("Username").fill(user)
        page.get_by_label("Password", exact=True).fill(password)
        time.sleep(TYPING_S)  # a person types; the server warms up (app/warmup.py) meanwhile
        # Cold: the manager lands on the overview right after signing in, caches empty.
        start = time.perf_counter()
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Team overview").first.wait_for(timeout=120_000)
        drawn(page, 1)
        figures["overview_cold_s"] = time.perf_counter() - start
        figures["trends_cold_s"] = timed_visit(page, "Trends", "Trends", 3)
        warm: dict[str, list[float]] = {"overview": [], "trends": []}
        for _ in range(WARM_VISITS):
            page.get_by_role("link", name="Team comparison").click()  # leave, then come back
            drawn(page, 2)
            warm["overview"].append(timed_visit(page, "Overview", "Team overview", 1))
            warm["trends"].append(timed_visit(page, "Trends", "Trends", 3))
        for name, samples in warm.items():
            figures[f"{name}_warm_s"] = statistics.median(samples)
        browser.close()
    return {name: round(value, 3) for name, value in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--keep", type=Path, help="reuse or keep the installation here")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-app-"))
    env, password = demo_installation(folder, args.employees, args.days)
    bare_script = folder / "bare_page.py"
    bare_script.write_text(BARE)
    app, url = serve([sys.executable, "-m", "traq.main", "app"], env)
    bare, bare_url = serve([sys.executable, "-m", "streamlit", "run", str(bare_script),
                            "--server.headless", "true",
                            "--browser.gatherUsageStats", "false"], env)  # fmt: skip
    try:
        figures = measure(url, bare_url, a_manager(folder), password)
    finally:
        for process in (app, bare):
            process.terminate()
            process.wait(timeout=20)
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    figures |= {
        "employees": args.employees,
        "days": args.days,
        "targets": {"warm_s": 1.5, "cold_s": 4.0},
    }  # type: ignore[dict-item]
    figures |= verdict(figures)
    for key, value in figures.items():
        print(f"{key:<28} {value}")
    print(json.dumps(figures))


def verdict(figures: dict[str, Any]) -> dict[str, Any]:
    """Ratios against the bare page drawn in the same run, and whether the targets hold."""
    bare = float(figures["bare_page_s"]) or 1e-9
    pages = ("overview", "trends")
    ratios = {
        f"{page}_{state}_over_bare": round(float(figures[f"{page}_{state}_s"]) / bare, 2)
        for page in pages
        for state in ("cold", "warm")
    }
    met = {
        "warm_le_1_5_s": all(float(figures[f"{p}_warm_s"]) <= 1.5 for p in pages),
        "cold_le_4_s": all(float(figures[f"{p}_cold_s"]) <= 4.0 for p in pages),
    }
    return {**ratios, "targets_met": met, "load_average_1min": round(os.getloadavg()[0], 2)}


def demo_installation(folder: Path, employees: int, days: int) -> tuple[dict[str, str], str]:
    """The environment of a demo installation in ``folder`` (made once), and its password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAQ_")}
    env["TRAQ_DATA_DIR"] = str(folder)
    env["TRAQ_RETENTION_SCHEDULE"] = "off"  # no purge under the measurement
    password_file = folder / "bench-password"
    if not password_file.exists():
        traq(env, "init")
        out = traq(env, "demo", "--employees", str(employees), "--days", str(days),
                   "--seed", "1", "--end", "2026-03-31")  # fmt: skip
        found = re.search(r"password \(shown once\): (\S+)", out)
        if not found:
            sys.exit("no demo password printed")
        password_file.write_text(found.group(1))
    return env, password_file.read_text().strip()


def a_manager(folder: Path) -> str:
    """The demo manager of the largest team (SQLite installations only)."""
    import sqlite3

    query = (
        "select u.username from users u join manager_teams m on m.user_id = u.id "
        "join people p on p.team_id = m.team_id group by u.id order by count(*) desc limit 1"
    )
    with sqlite3.connect(folder / "traq.db") as connection:
        row = connection.execute(query).fetchone()
    return str(row[0])


if __name__ == "__main__":
    main()
