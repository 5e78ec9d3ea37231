"""Manager pages: published figures, "fewer than k people", people covered, downloads."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any

from tests.app.conftest import Demo, signed_in

HIDDEN = "fewer than 5 people"
COVERS = re.compile(r"covers (?:\d+ to )?(\d+) people \(k = (\d+)\)")


def test_overview_shows_the_four_figures_with_people_covered(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    labels = [m.label for m in app.metric]
    assert labels == ["Work time", "Active time", "Activity level", "Productive share"]
    assert all(m.value.endswith((" h", "%")) for m in app.metric)
    covers = [COVERS.search(c.value) for c in app.caption]
    # Platform's units also count Legal (3 people, folded into Platform's unit) and, on two
    # days, Product Design (4 that day): at most 6 + 4 + 3 people on one day.
    assert [int(m.group(1)) for m in covers if m] == [13, 13]
    # The four figures and the per-team table, each as CSV and Excel.
    assert [b.proto.label for b in app.get("download_button")] == [
        "Download CSV",
        "Download Excel",
    ] * 2


def test_a_team_below_k_is_not_shown_at_all(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Legal"), demo.password)
    # Told why, and which unit counts them.
    assert app.warning[0].value.replace("\\", "") == (
        "Not shown: this filter covers fewer than 5 people, too few to publish on their own. "
        "Legal is counted in the Platform unit: its figures include them. Choose All my "
        "teams, or a longer period, to see more."
    )
    assert not app.metric and not app.get("plotly_chart") and not app.dataframe


def test_trends_hide_small_cells_as_fewer_than_k_people(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    app.switch_page("app/pages/trends.py").run()
    assert len(app.get("plotly_chart")) == 3
    notes = " ".join(c.value for c in app.caption)
    assert "hidden: fewer than 5 people" in notes


def test_applications_show_categories_in_fixed_colours(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    app.switch_page("app/pages/applications.py").run()
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    colours = {t["name"]: t["marker"]["color"] for t in spec["data"]}
    assert colours.get("development") == "#1f77b4"
    apps = app.dataframe[0].value
    people = [p for p in apps["people"] if not p.startswith("fewer than")]
    assert people and all(int(p) >= 5 for p in people)


def _traces(app: object, key: str) -> list[dict[str, Any]]:
    """The traces of the plotly chart with ``key``."""
    charts = app.get("plotly_chart")  # type: ignore[attr-defined]
    chart = next(c for c in charts if c.proto.id.endswith(f"-{key}"))
    return list(json.loads(chart.proto.spec)["data"])


def test_hidden_cells_say_fewer_than_k_people_on_the_charts_too(
    manager_of_every_team: tuple[str, str],
) -> None:
    app = signed_in(*manager_of_every_team)  # Legal is below k: it is counted in a unit
    app.switch_page("app/pages/comparison.py").run()
    table = app.dataframe[0].value
    assert not [u for u in table["unit"] if u == "Legal"]  # never published on its own
    assert any("Legal" in u for u in table["unit"])  # but inside its neighbour's unit
    assert all(int(p) >= 5 for p in table["people"])  # units are never below k
    for key in ("compare-hours", "compare-level"):
        notes = {t["name"]: t["text"] for t in _traces(app, key)}  # one trace per unit
        assert set(notes) == set(table["unit"])
        assert all(note == [""] for note in notes.values())
    app.switch_page("app/pages/applications.py").run()
    bars = {t["name"]: t["text"] for t in _traces(app, "category-bars")}
    words = {w for text in bars.values() for w in text}
    assert words <= {"", HIDDEN}
    app.switch_page("app/pages/trends.py").run()
    heat = _traces(app, "heatmap")[0]
    said = [word for row in heat["text"] for word in row]
    assert HIDDEN in said and "no data" in said  # hidden hours exist, and empty ones
    assert set(said) - {"no data", HIDDEN}  # shown cells: their level
    for row, words_row in zip(heat["z"], heat["text"], strict=True):
        for value, word in zip(row, words_row, strict=True):
            assert (value is None) == (word in ("no data", HIDDEN))


def test_figures_leave_the_server_rounded_to_what_the_page_shows(demo: Demo) -> None:
    """Plotly sends its data to the browser: minutes and whole percent, nothing finer."""
    app = signed_in(demo.manager_of("Platform"), demo.password)
    for page, key, axis in [
        ("app/pages/overview.py", "overview-teams", "y"),
        ("app/pages/trends.py", "daily", "y"),
        ("app/pages/trends.py", "weekly", "y"),
        ("app/pages/trends.py", "heatmap", "z"),
        ("app/pages/comparison.py", "compare-level", "y"),
        ("app/pages/applications.py", "top-apps", "x"),
    ]:
        app.switch_page(page).run()
        for trace in _traces(app, key):
            values = trace[axis]
            flat = [v for row in values for v in row] if axis == "z" else values
            numbers = [v for v in _decoded(flat) if v is not None]
            assert numbers, (page, key)
            assert all(round(v, 2) == v for v in numbers), (page, key, numbers[:5])


def _decoded(values: Any) -> list[Any]:
    """Plotly's JSON may pack a numeric array as {"dtype", "bdata"} (base64)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        return list(np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]))
    return list(values)


def test_trend_charts_have_day_and_week_ticks_and_a_0_to_100_percent_axis(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    app.switch_page("app/pages/trends.py").run()
    specs = {
        c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in app.get("plotly_chart")
    }
    daily, weekly = specs["daily"]["layout"], specs["weekly"]["layout"]
    assert daily["xaxis"]["tickformat"] == "%a %d %b" and daily["xaxis"]["dtick"] == 86_400_000
    assert weekly["xaxis"]["tickformat"] == "%d %b" and weekly["xaxis"]["tick0"] == "2024-01-01"
    assert weekly["xaxis"]["dtick"] % (7 * 86_400_000) == 0
    assert weekly["yaxis"]["range"] == [0, 1] and weekly["yaxis"]["tickformat"] == ".0%"


def test_a_single_week_is_one_point_on_its_monday_with_a_date_tick(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    app.switch_page("app/pages/trends.py").run()
    picker = next(d for d in app.sidebar.date_input if d.label == "Period")
    monday = date(2026, 3, 23)
    picker.set_value((monday, monday + timedelta(days=6))).run()
    assert not app.exception, [e.value for e in app.exception]
    weekly = next(
        json.loads(c.proto.spec) for c in app.get("plotly_chart") if c.proto.id.endswith("-weekly")
    )
    xs = {str(x)[:10] for trace in weekly["data"] for x in trace["x"]}
    assert xs == {monday.isoformat()}  # the week's point sits on its start
    axis = weekly["layout"]["xaxis"]
    low, high = (datetime.fromisoformat(v) for v in axis["range"])
    assert high - low == timedelta(days=7)  # a week wide: one tick, never milliseconds apart
    assert low < datetime.combine(monday, time()) < high
    assert axis["tickformat"] == "%d %b" and axis["dtick"] == 7 * 86_400_000
    assert (datetime.combine(monday, time()) - datetime.fromisoformat(axis["tick0"])).days % 7 == 0
    assert weekly["layout"]["yaxis"]["range"] == [0, 1]  # a share: 0 to 100 %, not 150 %
    assert weekly["layout"]["yaxis"]["tickformat"] == ".0%"
