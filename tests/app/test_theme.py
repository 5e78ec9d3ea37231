"""Light and dark themes: the shipped config defines both, with the category colours as the
chart palette and nothing fetched from outside; every chart follows the active theme."""

from __future__ import annotations

import tomllib

import pytest

from app.views import CATEGORY_COLOURS
from tests.app.accounts import employee_in_team
from tests.app.conftest import Demo, signed_in
from tests.traq.cli import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"


def test_the_config_has_a_light_and_a_dark_theme_with_the_category_palette() -> None:
    theme = tomllib.loads(CONFIG.read_text())["theme"]
    assert {"light", "dark"} <= set(theme)
    assert theme["chartCategoricalColors"] == list(CATEGORY_COLOURS.values())
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
            "manager-platform",
            ["overview.py", "trends.py", "applications.py", "comparison.py"],
        ),
        ("employee", ["my_day.py", "my_week.py"]),
    ],
)
def test_every_chart_follows_the_active_theme(demo: Demo, who: str, pages: list[str]) -> None:
    username = employee_in_team(1)[0] if who == "employee" else who
    app = signed_in(username, demo.password)
    charts = 0
    for page in pages:
        app.switch_page(f"app/pages/{page}").run()
        assert not app.exception, [e.value for e in app.exception]
        for chart in app.get("plotly_chart"):
            assert chart.proto.theme == "streamlit", page
            charts += 1
    assert charts >= len(pages)
