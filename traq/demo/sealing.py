"""What the demo seals to each person's public key: window titles and screenshots."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from storage.crypto.envelope import Sealer
from storage.objects import screenshot_key
from traq.demo.apps import CATALOGUE
from traq.demo.org import Person
from traq.demo.pictures import Scene
from traq.demo.schedule import Period, day_starts
from traq.demo.screenshots import Shot
from traq.demo.simulate import Simulation
from traq.demo.spans import span_at
from traq.demo.titles import TITLES_PER_ENTRY


def seal_titles(person: Person, sim: Simulation, sealer: Sealer) -> list[bytes | None]:
    """The sealed window title of every span of ``sim`` in span order (None when idle).

    A person's spans reuse a few dozen distinct titles, so each distinct title is sealed
    once and its ciphertext shared by all the spans that show it: sealing millions of spans
    one by one would dominate the demo's run time. (A collector seals each span it
    records; equal ciphertexts reveal only that two of one person's titles are equal.)
    """
    codes = sim.spans.entry * TITLES_PER_ENTRY + sim.spans.title
    distinct, inverse = np.unique(codes, return_inverse=True)
    object_id = f"{person.pseudonym}/title"
    sealed = [
        sealer.seal(
            object_id, sim.titles[code // TITLES_PER_ENTRY][code % TITLES_PER_ENTRY].encode()
        )
        for code in distinct.tolist()
    ]
    idle = sim.spans.idle.tolist()
    return [None if away else sealed[i] for i, away in zip(inverse.tolist(), idle, strict=True)]


def plan_shots(
    person: Person, person_id: int, device_ids: Sequence[int], sim: Simulation, period: Period
) -> list[Shot]:
    """One screenshot per capture time of ``sim``, showing the span open at that moment."""
    spans = sim.spans
    midnight = day_starts(person.timezone, period)
    found = []
    times = sim.shot_times.tolist()
    for at, span in zip(times, span_at(spans, sim.shot_times).tolist(), strict=True):
        entry = int(spans.entry[span])
        minutes = (at - int(midnight[spans.day[span]])) // 60
        scene = Scene(
            category=CATALOGUE[entry].category,
            app=sim.apps[entry],
            title=sim.titles[entry][int(spans.title[span])],
            clock=f"{minutes // 60:02d}:{minutes % 60:02d}",
            seed=person.index * 1_000_003 + at,
        )
        device_id = device_ids[int(spans.device[span])]
        key = screenshot_key(person.pseudonym, at, device_id)
        found.append(Shot(person_id, device_id, at, key, scene))
    return found
