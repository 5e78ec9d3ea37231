"""Due dates: the earlier of 30 days and one calendar month; one extension; flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.rights import add_months, due_at, extended_due_at, urgency


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-01-31T10:00", "2026-02-28T10:00"),  # month end clamps to February's end
        ("2028-01-31T10:00", "2028-02-29T10:00"),  # leap year
        ("2026-01-30T10:00", "2026-02-28T10:00"),
        ("2026-03-31T10:00", "2026-04-30T10:00"),  # 30 days = one month here
        ("2026-03-15T08:00", "2026-04-14T08:00"),  # 30 days is earlier in a 31-day month
        ("2026-02-01T08:00", "2026-03-01T08:00"),  # a month is earlier across February
        ("2026-12-31T23:00", "2027-01-30T23:00"),  # across the year end
    ],
)
def test_due_is_the_earlier_of_30_days_and_a_month(received: str, due: str) -> None:
    assert due_at(at(received)) == at(due)


def test_add_months_clamps_to_the_end_of_shorter_months() -> None:
    assert add_months(at("2026-08-31T00:00"), 1) == at("2026-09-30T00:00")
    assert add_months(at("2026-11-30T00:00"), 3) == at("2027-02-28T00:00")


def test_extension_is_one_or_two_months() -> None:
    due = at("2026-02-28T10:00")
    assert extended_due_at(due, 1) == at("2026-03-28T10:00")
    assert extended_due_at(due, 2) == at("2026-04-28T10:00")
    for bad in (0, 3, -1):
        with pytest.raises(ValueError, match="1 to 2 months"):
            extended_due_at(due, bad)


def test_overdue_and_due_soon_flags() -> None:
    due = at("2026-03-01T00:00")
    assert urgency(due, None, False, due - timedelta(days=8)).label == ""
    assert urgency(due, None, False, due - timedelta(days=6)).label == "due soon"
    assert urgency(due, None, False, due + timedelta(seconds=1)).label == "overdue"
    assert urgency(due, None, True, due + timedelta(days=9)).label == ""
    extended = at("2026-05-01T00:00")
    assert urgency(due, extended, False, due + timedelta(days=1)).label == ""
