"""Retention rules are pure: dates in, purge steps out."""

from __future__ import annotations

from datetime import date

import pytest

from services.retention import first_kept_day, plan_purge
from storage.policies import DEFAULT_POLICIES

DAYS = DEFAULT_POLICIES["retention_days"]


def test_first_kept_day_counts_back_the_period() -> None:
    assert first_kept_day(date(2026, 4, 1), 30) == date(2026, 3, 2)


def test_a_period_below_one_day_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 day"):
        first_kept_day(date(2026, 4, 1), 0)


def test_every_category_has_a_step_and_titles_go_first() -> None:
    steps = plan_purge(DAYS, date(2026, 4, 1))
    assert {s.category for s in steps} == set(DAYS)
    assert steps[0].category == "window_titles" and steps[0].clear == "title_ct"
    by_table = {(s.table, s.clear): s.cutoff for s in steps}
    assert by_table[("screenshots", None)] == date(2026, 3, 2)
    assert by_table[("activity_daily", None)] == date(2024, 4, 1)


def test_editing_a_period_moves_its_cutoff() -> None:
    steps = plan_purge({**DAYS, "screenshots": 7}, date(2026, 4, 1))
    assert next(s for s in steps if s.table == "screenshots").cutoff == date(2026, 3, 25)
