"""Manager pages: guarded figures, "fewer than k people", people covered, downloads."""

from __future__ import annotations

import json
import re
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
    assert [int(m.group(1)) for m in covers if m] == [6, 6]
    # The four figures and the per-team table, each as CSV and Excel.
    assert [b.proto.label for b in app.get("download_button")] == [
        "Download CSV",
        "Download Excel",
    ] * 2


def test_a_team_below_k_is_not_shown_at_all(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Legal"), demo.password)
    assert app.warning[0].value == "Not shown: this filter covers fewer than 5 people; widen it."
    assert not app.metric and not app.get("plotly_chart") and not app.dataframe


def test_trends_hide_small_cells_as_fewer_than_k_people(demo: Demo) -> None:
    app = signed_in(demo.manager_of("Platform"), demo.password)
    app.switch_page("app/pages/trends.py").run()
    assert len(app.get("plotly_chart")) == 3
    notes = " ".join(c.value for c in app.caption)
    assert "hidden: fewer than 5 people" in notes


def test_applications_show_categories_in_fixed_colours(demo: Demo) -> None:
    import json

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
    app = signed_in(*manager_of_every_team)  # Legal is below k: its cells are hidden
    app.switch_page("app/pages/comparison.py").run()
    table = app.dataframe[0].value
    hidden = {t for t, p in zip(table["team"], table["people"], strict=True) if p == HIDDEN}
    assert "Legal" in hidden and len(hidden) < len(table)
    for key in ("compare-hours", "compare-level"):
        notes = {t["name"]: t["text"] for t in _traces(app, key)}  # one trace per team
        assert set(notes) == set(table["team"])  # every team is on the chart, hidden or not
        for team, note in notes.items():
            assert note == ([HIDDEN] if team in hidden else [""]), team
    app.switch_page("app/pages/trends.py").run()
    heat = _traces(app, "heatmap")[0]
    said = [word for row in heat["text"] for word in row]
    assert set(said) - {"no data", HIDDEN}  # shown cells: their level
    for row, words in zip(heat["z"], heat["text"], strict=True):
        for value, word in zip(row, words, strict=True):
            assert (value is None) == (word in ("no data", HIDDEN))
