"""ActivityWatch exports made as the watchers make them: aw-core's ``Event`` model and the
server's heartbeat rules (``aw_transform.heartbeat_merge``), so that tests and the benchmark
read what a real aw-server would have stored.

- aw-watcher-window polls once a second and sends a heartbeat of ``{app, title}`` with a
  pulsetime of 2 s (poll time + 1): a window seen by one poll only stays a zero-length event,
  and consecutive windows are a poll apart (the gap ``flood`` fills).
- aw-watcher-afk polls every 5 s with a 180 s timeout: not-AFK heartbeats stamped at the
  last input (pulsetime 6 s); on going AFK it closes not-AFK at the last input and opens an
  AFK event from there, as ``aw_watcher_afk.afk.AFKWatcher`` does.
- aw-watcher-web sends ``{url, title, audible, incognito, tabCount}`` heartbeats from the
  browser (pulsetime 60 s... bounded here by the window poll), in a bucket whose hostname is
  ``unknown`` as older versions write it.
- aw-android records app events (``currentwindow``) and unlock moments
  (``os.lockscreen.unlocks``, zero-length events) and has no AFK bucket.

Only the first and last poll of a stretch are sent through the merge: the polls between
extend the same event by the same rule and change nothing but the run time.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aw_core.models import Event
from aw_transform import heartbeat_merge

DAY0 = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # a Monday, 07:00 UTC
WINDOW_PULSE, AFK_PULSE, WEB_PULSE = 2.0, 6.0, 2.0
AFK_POLL, AFK_TIMEOUT = 5, 180
WINDOWS: dict[str, tuple[str, ...]] = {
    "Code": ("main.py - repo - Visual Studio Code", "util.py - repo - Visual Studio Code"),
    "Firefox": ("Pull requests - Mozilla Firefox", "Docs - Mozilla Firefox",
                "Mozilla Firefox Private Browsing"),
    "Slack": ("general | acme - Slack", "random | acme - Slack"),
    "Terminal": ("bash", "pytest"),
    "Zoom": ("Zoom Meeting",),
}  # fmt: skip
SITES = {
    "Pull requests - Mozilla Firefox": "https://github.com/acme/repo/pulls",
    "Docs - Mozilla Firefox": "https://docs.python.org/3/library/json.html",
    "Mozilla Firefox Private Browsing": "https://example.com/private",
}


@dataclass
class Bucket:
    """One bucket being filled by heartbeats."""

    bid: str
    kind: str
    client: str
    hostname: str
    events: list[Event] = field(default_factory=list)

    def heartbeat(self, at: float, duration: float, data: dict[str, Any], pulse: float) -> None:
        """Send a heartbeat through aw-server's merge rule."""
        event = Event(timestamp=_moment(at), duration=duration, data=data)
        merged = heartbeat_merge(self.events[-1], event, pulse) if self.events else None
        if merged is None:
            self.events.append(event)

    def insert(self, at: float, duration: float, data: dict[str, Any]) -> None:
        """Insert one event as is (aw-android's unlock events, input counts)."""
        self.events.append(Event(timestamp=_moment(at), duration=duration, data=data))

    def as_json(self) -> dict[str, Any]:
        """The bucket as aw-server exports it: events newest first."""
        return {
            "id": self.bid, "name": None, "type": self.kind, "client": self.client,
            "hostname": self.hostname, "created": DAY0.isoformat(),
            "events": [e.to_json_dict() for e in reversed(self.events)],
        }  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """How much a generated person works, and on what."""

    days: int = 2
    stretches_per_day: int = 300  # window stretches (each one event or more) per day
    mean_seconds: float = 60.0  # mean length of a stretch of work in one window
    breaks_per_day: int = 5
    meetings_per_day: int = 2
    hostname: str = "laptop-7"
    web_hostname: str = "unknown"
    android: bool = False
    unlocks: bool = True  # aw-android: write the unlock bucket
    seed: int = 7


def _moment(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


@dataclass(frozen=True)
class Stretch:
    """Time ``[lo, hi)`` in one window; ``kind`` says whether the person gives input."""

    lo: float
    hi: float
    kind: str  # work, glance (under a second), meeting (no input), away (no input, locked)
    app: str
    title: str


def _day(rng: random.Random, start: float, profile: Profile) -> list[Stretch]:
    """A working day: ``profile.stretches_per_day`` windows, a few breaks and meetings; the
    screen keeps its window while its person is away."""
    count = profile.stretches_per_day
    breaks = {rng.randrange(count) for _ in range(profile.breaks_per_day)}
    meetings = {rng.randrange(count) for _ in range(profile.meetings_per_day)}
    stretches: list[Stretch] = []
    at, app, title = start, "Code", WINDOWS["Code"][0]
    for index in range(count):
        if index in breaks:
            length, kind = rng.uniform(300, 1500), "away"
        elif index in meetings:
            length, kind, app = rng.uniform(200, 900), "meeting", "Zoom"
        elif rng.random() < 0.1:
            length, kind = rng.uniform(0.2, 1.2), "glance"  # one poll: a zero-length event
        else:
            length, kind = rng.expovariate(1 / profile.mean_seconds), "work"
        if kind in ("work", "glance"):
            app = rng.choice(sorted(set(WINDOWS) - {"Zoom"}))
        if kind != "away":
            title = rng.choice(WINDOWS[app])
        stretches.append(Stretch(at, at + length, kind, app, title))
        at += length + (rng.uniform(6, 30) if rng.random() < 0.02 else 0)  # a stalled watcher
    return stretches


def _polls(start: float, end: float, phase: float) -> list[float]:
    """The first and last once-a-second poll (at ``phase`` past the second) in [start, end),
    or none: a stretch between two polls leaves no trace."""
    first = int(start) + phase + (1 if int(start) + phase < start else 0)
    last = int(end) + phase - (1 if int(end) + phase >= end else 0)
    return [] if first > last else sorted({first, last})


def generate(profile: Profile) -> dict[str, Any]:
    """The export document of ``profile.days`` working days (see module doc)."""
    rng = random.Random(profile.seed)
    host = profile.hostname
    watcher = "aw-watcher-android-test" if profile.android else "aw-watcher-window"
    client = "aw-android" if profile.android else "aw-watcher-window"
    window = Bucket(f"{watcher}_{host}", "currentwindow", client, host)
    afk = Bucket(f"aw-watcher-afk_{host}", "afkstatus", "aw-watcher-afk", host)
    web = Bucket("aw-watcher-web-firefox", "web.tab.current", "aw-client-web",
                 profile.web_hostname)  # fmt: skip
    unlocks = Bucket(f"aw-watcher-android-unlock_{host}", "os.lockscreen.unlocks",
                     "aw-android", host)  # fmt: skip
    phase = rng.random()
    for day in range(profile.days):
        start = (DAY0 + timedelta(days=day)).timestamp() + rng.uniform(0, 3600)
        stretches = _day(rng, start, profile)
        locked, previous_end = True, start
        for stretch in stretches:
            if profile.android and stretch.kind == "away":
                locked = True  # the phone is locked: nothing recorded
                continue
            if stretch.lo - previous_end > WINDOW_PULSE:
                locked = True  # no app in front for a while: the screen went off and locked
            previous_end = stretch.hi
            polls = _polls(stretch.lo, stretch.hi, phase)
            if polls and locked and profile.android:
                unlocks.insert(polls[0], 0.0, {})
                locked = False
            # The polls between the first and the last extend the event one by one: the
            # same as one heartbeat from the first poll lasting until the last.
            for at, length in ((p, polls[-1] - p) for p in polls[:1]):
                data = {"app": stretch.app, "title": stretch.title}
                window.heartbeat(at, 0.0, data, WINDOW_PULSE)
                window.heartbeat(at, length, data, WINDOW_PULSE)
                if stretch.app == "Firefox":
                    web.heartbeat(at, 0.0, _web_data(stretch.title), WEB_PULSE)
                    web.heartbeat(at, length, _web_data(stretch.title), WEB_PULSE)
        if not profile.android:
            AfkWatcher(afk).run(stretches, start, stretches[-1].hi + 60)
    buckets = [window, web]
    buckets += [unlocks] if profile.android and profile.unlocks else []
    buckets += [] if profile.android else [afk]
    return {"buckets": {b.bid: b.as_json() for b in buckets if b.events}}


def _web_data(title: str) -> dict[str, Any]:
    incognito = "Private" in title
    return {"url": SITES[title], "title": title.rsplit(" - ", 1)[0], "audible": False,
            "incognito": incognito, "tabCount": 4}  # fmt: skip


@dataclass
class AfkWatcher:
    """aw-watcher-afk's loop (``aw_watcher_afk.afk.AFKWatcher.heartbeat_loop``)."""

    bucket: Bucket
    afk: bool = False

    def ping(self, afk: bool, at: float, duration: float = 0.0) -> None:
        """One heartbeat of the state ``afk`` at ``at``."""
        data = {"status": "afk" if afk else "not-afk"}
        self.bucket.heartbeat(at, duration, data, AFK_PULSE)

    def poll(self, now: float, last_input: float) -> None:
        """What the watcher sends at ``now`` given the last input it saw."""
        since = now - last_input
        if self.afk and since < AFK_TIMEOUT:  # back: AFK ends at the input
            self.ping(True, last_input)
            self.afk = False
            self.ping(False, last_input + 0.001)
        elif not self.afk and since >= AFK_TIMEOUT:  # gone: not-AFK ends at the last input
            self.ping(False, last_input)
            self.afk = True
            self.ping(True, last_input + 0.001, since)
        elif self.afk:
            self.ping(True, last_input + 0.001, since)
        else:
            self.ping(False, last_input)

    def run(self, stretches: list[Stretch], start: float, end: float) -> None:
        """Poll every 5 s from ``start`` to ``end``; input comes in work and glance stretches."""
        inputs = [(s.lo, s.hi) for s in stretches if s.kind in ("work", "glance")]
        index, last_input, now = 0, start, start
        while now < end:
            while index < len(inputs) and inputs[index][0] <= now:
                last_input = min(now, inputs[index][1])
                if inputs[index][1] > now:
                    break
                index += 1
            self.poll(now, last_input)
            now += AFK_POLL


def write(profile: Profile, path: Path) -> Path:
    """Write the export of ``profile`` to ``path``."""
    path.write_text(json.dumps(generate(profile)))
    return path
