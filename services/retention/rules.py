"""Retention rules: which rows of which dataset expire when, from the policy. Pure: the date
to act on (``as_of``) is passed in, nothing reads a clock or a database.

Each contract with a ``retention_key`` expires by its ``time_column``; window titles
(``window_titles``) are cleared from application spans sooner than the spans themselves.
A record expires when its time falls before the first kept day: ``as_of`` minus the period.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from data_contracts import CONTRACTS
from storage.retention import PurgeStep

TITLE_STEP = ("window_titles", "app_spans", "start_ts", "title_ct")


def first_kept_day(as_of: date, days: int) -> date:
    """The oldest day still within a ``days``-long retention period on ``as_of``."""
    if days < 1:
        raise ValueError(f"a retention period must be at least 1 day, got {days}")
    return as_of - timedelta(days=days)


def export_cutoff(retention_days: Mapping[str, int], as_of: date) -> date:
    """The oldest production day of a stored export still kept on ``as_of``.

    An export copies every category of the person's data, screenshots and titles too: it
    lives as long as the shortest-lived of them, so no copy outlives its original.
    """
    return first_kept_day(as_of, min(retention_days.values()))


def plan_purge(retention_days: Mapping[str, int], as_of: date) -> list[PurgeStep]:
    """Every purge step the policy implies on ``as_of``, titles first, then by dataset."""
    category, table, column, clear = TITLE_STEP
    steps = [
        PurgeStep(
            category, table, column, "epoch", first_kept_day(as_of, retention_days[category]), clear
        )
    ]
    for contract in CONTRACTS.values():
        if contract.retention_key is None or contract.time_column is None:
            continue
        cutoff = first_kept_day(as_of, retention_days[contract.retention_key])
        steps.append(
            PurgeStep(
                contract.retention_key,
                contract.dataset,
                contract.time_column,
                contract.time_kind,
                cutoff,
            )
        )
    return steps


def categories(retention_days: Mapping[str, int]) -> list[str]:
    """The retention categories, in policy order."""
    return list(retention_days)
