"""Download file names: report, teams, period, k and units, in safe characters only."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app.file_names import TEAMS_MAX, about_stem, safe_part

SAFE = re.compile(r"[A-Za-z0-9.-]*")


def _about(teams: str) -> dict[str, str]:
    return {
        "report": "overview totals",
        "period": "2026-03-01 to 2026-03-31",
        "teams": teams,
        "k": "5 (cells of fewer people are not shown)",
        "units": "hours per person per working day; shares in percent",
    }


def test_a_name_says_report_team_period_k_and_units() -> None:
    stem = about_stem("overview-totals", _about("Platform"))
    assert stem == "overview-totals_Platform_2026-03-01_2026-03-31_k5_hours"


def test_several_teams_and_unsafe_characters_become_dashes() -> None:
    stem = about_stem("trends", _about("Équipe R&D, ../Legal, =cmd|' /C calc'!A0"))
    assert stem == "trends_Equipe-R-D-..-Legal-cmd-C-calc-A0_2026-03-01_2026-03-31_k5_hours"


def test_many_teams_are_cut_but_period_k_and_units_stay() -> None:
    stem = about_stem("overview", _about(", ".join(f"Team {i}" for i in range(40))))
    teams = stem.split("_")[1]
    assert len(teams) <= TEAMS_MAX
    assert stem.endswith("_2026-03-01_2026-03-31_k5_hours")


@given(st.text())
def test_any_text_leaves_only_safe_characters(text: str) -> None:
    part = safe_part(text)
    assert SAFE.fullmatch(part) and not part.startswith((".", "-"))
