"""One person's whole period, simulated: sessions, spans, minute rows, screenshot times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from traq.demo.activity import Minutes, idle_stretches, minute_rows
from traq.demo.apps import CATALOGUE, PERSONAS, entry_probabilities
from traq.demo.org import Person
from traq.demo.schedule import Period, Sessions, working_sessions
from traq.demo.screenshots import shot_times
from traq.demo.seeds import ACTIVITY, SCREENSHOTS, SESSIONS, SPANS, TITLES, stream
from traq.demo.spans import Spans, mark_idle, tile_spans
from traq.demo.titles import person_titles

_ODDS = {persona: entry_probabilities(persona) for persona in PERSONAS}


@dataclass(frozen=True)
class Simulation:
    """Everything generated for one person, before it is written."""

    sessions: Sessions
    spans: Spans
    minutes: Minutes
    shot_times: np.ndarray  # UTC seconds, in order
    titles: list[list[str]]  # per catalogue entry
    apps: list[str]  # application name per catalogue entry (sites run in the browser)


@dataclass(frozen=True)
class Policy:
    """What the collector is told: screenshots on the last ``shot_days`` local days, every
    ``shot_interval`` +/- ``shot_jitter`` seconds; idle after ``idle_seconds``."""

    shot_days: int
    shot_interval: int
    shot_jitter: int
    idle_seconds: int


def simulate(person: Person, period: Period, seed: int, policy: Policy) -> Simulation:
    """Simulate ``person`` over ``period``; depends only on the seed and the person."""
    index = person.index
    sessions = working_sessions(person, period, stream(seed, SESSIONS, index))
    spans = tile_spans(sessions, _ODDS[person.persona], stream(seed, SPANS, index))
    minutes = minute_rows(sessions, spans, person.habits, stream(seed, ACTIVITY, index))
    spans = mark_idle(spans, *idle_stretches(minutes, policy.idle_seconds))
    since = period.days - policy.shot_days
    shots = stream(seed, SCREENSHOTS, index)
    times = shot_times(sessions, since, policy.shot_interval, policy.shot_jitter, shots)
    titles = person_titles(stream(seed, TITLES, index))
    apps = [entry.app or person.browser for entry in CATALOGUE]
    return Simulation(sessions, spans, minutes, times, titles, apps)
