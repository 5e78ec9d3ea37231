"""`traq collect ARGS` with scripted sources that journal what they produce, for fault tests.

    python -m tests.ingest.fault_collector --ledger FILE --seed N -- ARGS...

The real command (argument parsing, enrolment, the HTTPS sink from ``TRAQ_INGEST_URL``,
signals, spool, uploader, summary, exit code and error line) behind the fleet test's
scripted sources: seeded input every second, a window cycling through a few applications,
tiny sealed JPEGs. Unlike ``tests.ingest.scripted`` the truth is not printed at the end but
appended to ``--ledger`` as it is produced, one JSON line per sampled second
(``{"t": epoch, "k": [keys, clicks, moves, scrolls]}``) and per screenshot
(``{"shot": object_key, "sha256": hex}``), so that it survives a ``kill -9`` of this
process (the kernel keeps what was written) and a full disk under the spool (the ledger
lives elsewhere). A line reaches the ledger before the pipeline sees the value.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import random
import sys
import time
from collections.abc import Sequence
from typing import IO, Any

import collector.run
from collector.pipeline.sources import SystemSources
from collector.sources.base import InputCounts, ScreenRect
from collector.sources.screenshot import SealedImage
from storage.crypto.envelope import Sealer
from tests.ingest.scripted import SHOT_SIZE, ScriptedWindow, tiny_jpeg
from traq.main import main

MAX_PER_SECOND = InputCounts(9, 2, 40, 3)  # the largest counts a second can have


class Journal:
    """Appends one JSON line per event to the ledger file, unbuffered by Python."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    def write(self, entry: dict[str, Any]) -> None:
        """One line, handed to the kernel at once (a SIGKILL cannot lose it)."""
        self._handle.write(json.dumps(entry) + "\n")
        self._handle.flush()


class JournalledCounter:
    """Seeded counts as in the fleet test, never all zero; each second journalled first."""

    def __init__(self, rng: random.Random, journal: Journal) -> None:
        self._rng, self._journal = rng, journal

    def take(self) -> InputCounts:
        """The next second's counts."""
        rng, top = self._rng, MAX_PER_SECOND
        counts = InputCounts(
            rng.randint(0, top.key_presses),
            rng.randint(0, top.mouse_clicks),
            rng.randint(1, top.mouse_moves),
            rng.randint(0, top.scrolls),
        )
        entry = [counts.key_presses, counts.mouse_clicks, counts.mouse_moves, counts.scrolls]
        self._journal.write({"t": time.time(), "k": entry})
        return counts


class JournalledShooter:
    """Seals a tiny generated JPEG per shot; journals its key and plaintext digest first."""

    blur_radius: float = 0.0

    def __init__(self, rng: random.Random, journal: Journal) -> None:
        self._rng, self._journal = rng, journal

    def capture_sealed(
        self, sealer: Sealer, object_id: str, masks: Sequence[ScreenRect] = ()
    ) -> SealedImage:
        """One sealed image under ``object_id``, as the real taker returns it."""
        plaintext = tiny_jpeg(self._rng)
        self._journal.write({"shot": object_id, "sha256": hashlib.sha256(plaintext).hexdigest()})
        return SealedImage(sealer.seal(object_id, plaintext), *SHOT_SIZE)


def journalled_sources(seed: int, journal: Journal, grab_screen: bool) -> SystemSources:
    """Counter, window source and (if the policy allows) shooter, seeded by ``seed``."""
    rng = random.Random(seed)
    shooter = JournalledShooter(random.Random(seed + 1_000_000), journal) if grab_screen else None
    return SystemSources(JournalledCounter(rng, journal), ScriptedWindow(seed * 3), shooter)


def run(argv: list[str]) -> int:
    """Parse our two options, then run `traq collect` with the rest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledger", required=True)
    parser.add_argument("--seed", type=int, required=True)
    ours, rest = parser.parse_known_args(argv)
    if rest[:1] == ["--"]:
        rest = rest[1:]
    with open(ours.ledger, "a", encoding="utf-8") as handle:
        journal = Journal(handle)
        journal.write({"run": ours.seed})

        def sources(grab_screen: bool) -> SystemSources:
            return journalled_sources(ours.seed, journal, grab_screen)

        collector.run.run_collector = functools.partial(
            collector.run.run_collector, open_sources=sources
        )
        return main(["collect", *rest])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
