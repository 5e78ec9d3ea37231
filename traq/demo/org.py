"""The organisation: departments, teams, people, their time zones and working habits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from traq.demo.apps import BROWSERS
from traq.demo.names import FIRST_NAMES, LAST_NAMES, REGION_OF_ZONE, ascii_slug
from traq.demo.seeds import MANAGER, ORG, PERSON, pseudonym, stream

EMAIL_DOMAIN = "acme.example"
ZONES = tuple(REGION_OF_ZONE)

# (team, department, persona, home time zone); listed so that even a small demo mixes
# personas and zones on both sides of the Atlantic.
TEAM_TEMPLATES = (
    ("Platform", "Engineering", "developer", "Europe/Paris"),
    ("Product Design", "Design", "designer", "America/New_York"),
    ("Enterprise Sales", "Sales", "sales", "America/New_York"),
    ("Customer Support", "Customer Success", "support", "Australia/Sydney"),
    ("Data", "Engineering", "analyst", "Asia/Kolkata"),
    ("Web", "Engineering", "developer", "Europe/London"),
    ("Mobile", "Engineering", "developer", "America/Los_Angeles"),
    ("Growth Marketing", "Marketing", "marketing", "Europe/London"),
    ("Finance", "Operations", "finance", "Europe/Paris"),
    ("Infrastructure", "Engineering", "developer", "Europe/Berlin"),
    ("Brand", "Design", "designer", "Europe/Paris"),
    ("Inside Sales", "Sales", "sales", "America/Chicago"),
    ("Support EMEA", "Customer Success", "support", "Europe/Berlin"),
    ("Analytics", "Engineering", "analyst", "America/Chicago"),
    ("People", "Operations", "people", "Europe/London"),
    ("Backend", "Engineering", "developer", "Asia/Kolkata"),
    ("Content", "Marketing", "marketing", "America/Los_Angeles"),
)
# Fewer people than the privacy guard's k: its numbers must be suppressed on dashboards.
SMALL_TEAM = ("Legal", "Operations", "finance", "Europe/Paris")
PLATFORMS = ("linux", "macos", "windows")
PLATFORM_ODDS = {
    "developer": (0.5, 0.4, 0.1),
    "analyst": (0.4, 0.4, 0.2),
    "designer": (0.0, 0.85, 0.15),
}
OTHER_ODDS = (0.0, 0.4, 0.6)
DEVICE_NAMES = {"linux": "ThinkPad X1", "macos": "MacBook Pro", "windows": "Surface Laptop"}


@dataclass(frozen=True)
class Team:
    """A team of one department; every member shares its persona (how they work)."""

    name: str
    slug: str
    department: str
    persona: str
    home_zone: str


@dataclass(frozen=True)
class Habits:
    """One person's usual working day, in local time."""

    start_minute: int  # usual start, minutes after local midnight
    work_minutes: int  # usual working time, lunch excluded
    lunch_minute: int
    lunch_length: int
    day_off_rate: float
    late_rate: float  # chance of a short evening session on a working day
    typing: float  # personal multipliers on key presses and mouse activity
    mousing: float


@dataclass(frozen=True)
class Person:
    """A demo employee; ``index`` addresses their random streams."""

    index: int
    display_name: str
    username: str
    email: str
    pseudonym: str
    team: int
    timezone: str
    persona: str
    platforms: tuple[str, ...]  # one per device
    browser: str
    habits: Habits


@dataclass(frozen=True)
class Organisation:
    """Teams and people of the demo company."""

    teams: list[Team]
    people: list[Person]
    managers: list[str]  # one account name per team, in the order of ``teams``


def build_organisation(seed: int, employees: int) -> Organisation:
    """The deterministic organisation of ``employees`` people for ``seed``."""
    sizes = team_sizes(employees, stream(seed, ORG))
    teams = [_team(i, i == len(sizes) - 1 and sizes[-1] < 5) for i in range(len(sizes))]
    members = np.repeat(np.arange(len(sizes)), sizes)
    people: list[Person] = []
    taken: set[str] = set()
    for index, team in enumerate(members.tolist()):
        people.append(_person(seed, index, team, teams[team], taken))
    # Drawn after the people so that adding managers changed no employee's name.
    managers = [_manager(seed, index, team, taken) for index, team in enumerate(teams)]
    return Organisation(teams, people, managers)


def team_sizes(employees: int, rng: np.random.Generator) -> list[int]:
    """Team sizes of 5-15, plus one team under 5 when there are enough people (12+)."""
    small = min(int(rng.integers(2, 5)), employees - 10) if employees >= 12 else 0
    remaining = employees - small
    sizes: list[int] = []
    while remaining > 0:
        if remaining <= 15 and (sizes or remaining < 10):
            size = remaining
        else:
            size = int(rng.integers(5, min(15, remaining - 5) + 1))
        sizes.append(size)
        remaining -= size
    return [*sizes, small] if small else sizes


def _team(index: int, small: bool) -> Team:
    name, department, persona, zone = (
        SMALL_TEAM if small else TEAM_TEMPLATES[index % len(TEAM_TEMPLATES)]
    )
    rounds = index // len(TEAM_TEMPLATES)
    if rounds and not small:
        name = f"{name} {rounds + 1}"
    slug = "-".join(ascii_slug(word) for word in name.split())
    return Team(name, slug, department, persona, zone)


def _person(seed: int, index: int, team_index: int, team: Team, taken: set[str]) -> Person:
    rng = stream(seed, PERSON, index)
    zone = team.home_zone if rng.random() < 0.8 else ZONES[int(rng.integers(len(ZONES)))]
    first, last = _draw_name(rng, zone)
    username = _unique(f"{ascii_slug(first)}.{ascii_slug(last)}", taken)
    platforms = _platforms(team.persona, rng)
    return Person(
        index=index,
        display_name=f"{first} {last}",
        username=username,
        email=f"{username}@{EMAIL_DOMAIN}",
        pseudonym=pseudonym(seed, index),
        team=team_index,
        timezone=zone,
        persona=team.persona,
        platforms=platforms,
        browser=BROWSERS[platforms[0]][int(rng.integers(2))],
        habits=_habits(rng),
    )


def _manager(seed: int, index: int, team: Team, taken: set[str]) -> str:
    """A named person leads each team: a manager's account is never a role's name."""
    first, last = _draw_name(stream(seed, MANAGER, index), team.home_zone)
    return _unique(f"{ascii_slug(first)}.{ascii_slug(last)}", taken)


def _draw_name(rng: np.random.Generator, zone: str) -> tuple[str, str]:
    """A first and a last name common where ``zone`` is."""
    region = REGION_OF_ZONE[zone]
    first = FIRST_NAMES[region][int(rng.integers(len(FIRST_NAMES[region])))]
    last = LAST_NAMES[region][int(rng.integers(len(LAST_NAMES[region])))]
    return first, last


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}{number}"
    taken.add(candidate)
    return candidate


def _platforms(persona: str, rng: np.random.Generator) -> tuple[str, ...]:
    odds = PLATFORM_ODDS.get(persona, OTHER_ODDS)
    first = PLATFORMS[int(rng.choice(3, p=odds))]
    if rng.random() < 0.08:  # a desktop at the office as well as the laptop
        return (first, "windows" if first != "windows" else "linux")
    return (first,)


def _habits(rng: np.random.Generator) -> Habits:
    start = int(np.clip(rng.normal(8.75 * 60, 35), 7 * 60, 10 * 60))
    lunch = int(np.clip(rng.normal(12.5 * 60, 20), 11.75 * 60, 13.75 * 60))
    return Habits(
        start_minute=start,
        work_minutes=int(np.clip(rng.normal(8 * 60, 30), 6.5 * 60, 9.5 * 60)),
        lunch_minute=max(lunch, start + 120),
        lunch_length=int(rng.integers(30, 61)),
        day_off_rate=float(rng.uniform(0.02, 0.06)),
        late_rate=float(rng.uniform(0.05, 0.2)) if rng.random() < 0.3 else 0.0,
        typing=float(rng.lognormal(0.0, 0.25)),
        mousing=float(rng.lognormal(0.0, 0.25)),
    )
