"""A small organisation over two daylight-saving changes, written through storage.

Teams: Paris (6 people, Europe/Paris), New York (5, America/New_York), Tiny (2,
Asia/Kolkata); Paris also holds one restricted, one objecting and one withdrawn person,
who must never appear in analytics. Each person works two local sessions a day (09:00 and
14:00, 30 minutes each) on the days ``works(i, day)`` says, over March 6-9 (New York's change
on the 8th) and March 27-31 (Paris's on the 29th).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from storage.rollups import refresh_rollups
from tests.analytics.builders import add_minutes, add_person, add_spans, add_team

DAYS = [date(2026, 3, d) for d in (6, 7, 8, 9, 27, 28, 29, 30, 31)]
TEAMS = {"Paris": ("Europe/Paris", 6), "New York": ("America/New_York", 5)}
TEAMS |= {"Tiny": ("Asia/Kolkata", 2)}
SESSIONS = (time(9, 0), time(14, 0))
SESSION_MINUTES = 30
SPANS = (  # offsets in minutes from each session's start: (start, end, app, site)
    (0, 20, "Visual Studio Code", None),
    (20, 25, "Firefox", "www.youtube.com"),
    (25, 30, "Slack", None),
)


@dataclass
class Org:
    """Ids of what was written, and the raw rows for hand computations."""

    engine: Engine
    teams: dict[str, int] = field(default_factory=dict)
    members: dict[str, list[int]] = field(default_factory=dict)
    excluded: list[int] = field(default_factory=list)
    zones: dict[int, str] = field(default_factory=dict)
    worked: dict[int, list[date]] = field(default_factory=dict)


def works(index: int, day: date) -> bool:
    """Whether the person with ``index`` works on ``day`` (about three days in four)."""
    return (index + day.day) % 4 != 0


def active(index: int, minute: int) -> int:
    """Active seconds of a person's ``minute``-th minute of a session."""
    return (index * 7 + minute * 13) % 61


def local_start(day: date, at: time, tz: str) -> int:
    """UTC epoch of a local wall-clock time."""
    return int(datetime.combine(day, at, ZoneInfo(tz)).timestamp())


def build_org(engine: Engine) -> Org:
    """Write the organisation and its rollups; return what was written."""
    org = Org(engine)
    index = 0
    with engine.begin() as connection:
        for name, (tz, size) in TEAMS.items():
            team = org.teams[name] = add_team(connection, name)
            flags: list[dict[str, object]] = [{}] * size
            if name == "Paris":
                flags += [{"restricted": True}, {"objected": True}, {"consent": "withdrawn"}]
            for flag in flags:
                person, device = add_person(connection, team, tz, **flag)  # type: ignore[arg-type]
                (org.excluded if flag else org.members.setdefault(name, [])).append(person)
                org.zones[person] = tz
                org.worked[person] = [d for d in DAYS if works(index, d)]
                _write_days(connection, person, device, index, tz, org.worked[person])
                index += 1
    return org


def _write_days(
    connection: object, person: int, device: int, index: int, tz: str, days: list[date]
) -> None:
    for day in days:
        for at in SESSIONS:
            start = local_start(day, at, tz)
            minutes = [
                (start + 60 * m, active(index, m), m % 5, m % 3) for m in range(SESSION_MINUTES)
            ]
            spans = [(start + 60 * a, start + 60 * b, app, site) for a, b, app, site in SPANS]
            add_minutes(connection, person, device, minutes)  # type: ignore[arg-type]
            add_spans(connection, person, device, spans)  # type: ignore[arg-type]
        lo = local_start(day, time(0), tz)
        hi = local_start(day + timedelta(days=1), time(0), tz)
        refresh_rollups(connection, person, lo, hi, tz)  # type: ignore[arg-type]
