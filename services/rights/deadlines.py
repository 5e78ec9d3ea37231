"""Deadlines of rights requests: pure date arithmetic, ``now`` always passed in.

A request is due at the earlier of 30 days and one calendar month after receipt (a month
from 31 January is 28 February, or the 29th in a leap year: the day is clamped to the end of
the shorter month). The DPO may extend once, by one or two further calendar months.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

RESPONSE_DAYS = 30
MAX_EXTENSION_MONTHS = 2
DUE_SOON = timedelta(days=7)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months, the day clamped to the target month's end."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def due_at(received_at: datetime) -> datetime:
    """When a request received at ``received_at`` must be answered."""
    return min(received_at + timedelta(days=RESPONSE_DAYS), add_months(received_at, 1))


def extended_due_at(due: datetime, months: int) -> datetime:
    """The deadline after an extension by ``months`` (1 or 2); ValueError otherwise."""
    if isinstance(months, bool) or not isinstance(months, int):
        raise ValueError("an extension is a whole number of months, 1 or 2")
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 1 to {MAX_EXTENSION_MONTHS} months, got {months}")
    return add_months(due, months)


@dataclass(frozen=True)
class Urgency:
    """Where a request stands against its deadline."""

    deadline: datetime
    overdue: bool
    due_soon: bool

    @property
    def label(self) -> str:
        """``overdue``, ``due soon`` or empty: what the DPO queue highlights."""
        return "overdue" if self.overdue else "due soon" if self.due_soon else ""


def urgency(due: datetime, extended: datetime | None, closed: bool, now: datetime) -> Urgency:
    """Overdue / due-soon flags of an open request (a closed one is neither)."""
    deadline = extended or due
    if closed:
        return Urgency(deadline, False, False)
    return Urgency(deadline, now > deadline, deadline - DUE_SOON <= now <= deadline)
