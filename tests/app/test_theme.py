"""Light and dark themes: the shipped config defines both, with the team palette as the
chart palette and nothing fetched from outside; every chart follows the active theme;
categories, teams and activity keep their own colours on every chart."""

from __future__ import annotations

import base64
import json
import tomllib
from typing import Any

import numpy as np
import pytest

from app.selfcharts import LOW, SLOT_COLOURS
from app.views import CATEGORY_COLOURS, TEAM_COLOURS
from tests.app.accounts import employee_in_team
from tests.app.conftest import Demo, signed_in
from tests.traq.cli import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"


def test_the_config_has_a_light_and_a_dark_theme_with_the_team_palette() -> None:
    theme = tomllib.loads(CONFIG.read_text())["theme"]
    assert {"light", "dark"} <= set(theme)
    assert theme["chartCategoricalColors"] == TEAM_COLOURS  # teams: none a category's colour
    assert not set(TEAM_COLOURS) & set(CATEGORY_COLOURS.values())
    for variant in ("light", "dark"):
        assert "chartCategoricalColors" not in theme[variant]  # inherited: same in both


def test_the_config_fetches_nothing_from_outside() -> None:
    text = CONFIG.read_text()
    config = tomllib.loads(text)
    assert config["browser"]["gatherUsageStats"] is False
    assert "http" not in text.lower()  # no font, theme file or script by URL
    assert "font" not in config["theme"]


@pytest.mark.parametrize(
    ("who", "pages"),
    [
        (
            "manager",
            ["overview.py", "trends.py", "applications.py", "comparison.py"],
        ),
        ("employee", ["my_day.py", "my_week.py"]),
    ],
)
def test_every_chart_follows_the_active_theme(demo: Demo, who: str, pages: list[str]) -> None:
    username = employee_in_team(1)[0] if who == "employee" else demo.manager_of("Platform")
    app = signed_in(username, demo.password)
    charts = 0
    for page in pages:
        app.switch_page(f"app/pages/{page}").run()
        assert not app.exception, [e.value for e in app.exception]
        for chart in app.get("plotly_chart"):
            assert chart.proto.theme == "streamlit", page
            charts += 1
    assert charts >= len(pages)


def _traces(app: object) -> dict[str, list[dict[str, Any]]]:
    """Each plotly chart's traces, by the chart's element key."""
    charts = app.get("plotly_chart")  # type: ignore[attr-defined]
    return {c.proto.id: json.loads(c.proto.spec)["data"] for c in charts}


def _values(encoded: Any) -> list[float]:
    """A trace's numbers, whether plain or plotly's typed-array encoding."""
    if isinstance(encoded, dict):
        return list(np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"]))
    return [float(v) for v in encoded]


def test_categories_teams_and_activity_each_keep_their_own_colours(
    demo: Demo, manager_of_every_team: tuple[str, str]
) -> None:
    app = signed_in(employee_in_team(1)[0], demo.password)
    assert not app.exception
    traces = list(_traces(app).values())
    timeline = next(t for t in traces if t and t[0].get("type") == "bar" and "base" in t[0])
    assert {t["name"] for t in timeline} <= set(CATEGORY_COLOURS)
    for trace in timeline:  # every application drawn in its category's colour
        assert trace["marker"]["color"] == CATEGORY_COLOURS[trace["name"]]
    slots = next(t for t in traces if {x["name"] for x in t} & set(SLOT_COLOURS))
    for trace in slots:
        assert trace["marker"]["color"] == SLOT_COLOURS[trace["name"]]
        levels = _values(trace["y"])
        assert len(levels) and all((level < 0.2) == (trace["name"] == LOW) for level in levels)

    manager = signed_in(*manager_of_every_team)
    team_colour: dict[str, str] = {}
    for page in ("trends.py", "comparison.py"):
        manager.switch_page(f"app/pages/{page}").run()
        for chart in _traces(manager).values():
            for trace in chart:
                if trace.get("type") == "heatmap":
                    continue
                colour = trace.get("line", {}).get("color") or trace["marker"]["color"]
                assert colour in TEAM_COLOURS
                assert team_colour.setdefault(trace["name"], colour) == colour  # same everywhere
    assert len(team_colour) >= 2
