"""Deadlines of rights requests: pure date arithmetic, ``now`` always passed in.

Each person's requests follow the law of their jurisdiction (``LAWS``; the admin sets it
per person, the policy ``default_jurisdiction`` otherwise). GDPR and UK GDPR: due at the
earlier of 30 days and one calendar month after receipt (a month from 31 January is 28
February, or the 29th in a leap year: the day is clamped to the end of the shorter month),
extendable once by one or two further months. FADP and PIPEDA: 30 days, plus 30. CCPA: 45
days, plus 45. Every law allows the extension only while the first period runs (GDPR Art.
12(3): the person must be told within the first month), so it is refused after it.
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
class Law:
    """A jurisdiction's answer period and extension (days, or calendar months if None)."""

    name: str
    days: int | None
    extension_days: int | None  # None: one or two calendar months, the DPO's choice


LAWS: dict[str, Law] = {
    "GDPR": Law("GDPR", None, None),
    "UK GDPR": Law("UK GDPR", None, None),
    "FADP": Law("FADP", 30, 30),
    "PIPEDA": Law("PIPEDA", 30, 30),
    "CCPA": Law("CCPA", 45, 45),
}


def law_named(name: str | None) -> Law:
    """The law called ``name`` (GDPR for an unknown or missing name: the strictest default)."""
    return LAWS.get(name or "GDPR", LAWS["GDPR"])


def due_for(law: Law, received_at: datetime) -> datetime:
    """When a request received at ``received_at`` under ``law`` must be answered."""
    if law.days is None:
        return due_at(received_at)
    return received_at + timedelta(days=law.days)


def extended_for(law: Law, due: datetime, months: int, now: datetime) -> datetime:
    """The deadline after the one extension ``law`` allows; ValueError once the first
    period is over (the person had to be told within it) or for a bad ``months``."""
    if now > due:
        raise ValueError(
            f"under {law.name} an extension must be made within the first period "
            f"(by {due.date().isoformat()}); it has passed"
        )
    if law.extension_days is None:
        return extended_due_at(due, months)
    return due + timedelta(days=law.extension_days)


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
