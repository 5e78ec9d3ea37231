"""Team and unit colours: a unit takes its host team's colour, and no two series of one
chart share a colour (two units of one host on different days looked like one line)."""

from __future__ import annotations

from app.views import TEAM_COLOURS, team_colours


def test_a_unit_has_its_host_teams_colour() -> None:
    alone = team_colours(["Platform"])["Platform"]
    assert team_colours(["Platform + Legal"])["Platform + Legal"] == alone
    assert alone in TEAM_COLOURS


def test_units_of_one_host_on_one_chart_differ() -> None:
    names = ["Platform + Legal", "Platform + Legal + Product Design", "Legal", "Platform"]
    shown = team_colours(names)
    assert len(set(shown.values())) == len(names), shown
    assert shown == team_colours(list(reversed(names)))  # the same whatever the order
