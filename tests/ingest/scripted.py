"""A scripted collector process: the real pipeline after the sources, for the fleet test.

    python -m tests.ingest.scripted --url URL --code CODE --spool DIR --seconds S --seed N
        [--screenshot-interval S] [--flush-interval S] [--upload-interval S]

Enrols with the one-time code (keeping the token in the spool folder, as
``traq collect --enrol`` does), then runs ``run_collector`` with the HTTPS sink and scripted
sources: a seeded input counter, a window source cycling through a few applications and a
shooter sealing tiny generated JPEGs. Everything after the sources is the real code path:
sampler, sessionizer, privacy filter, title sealing, spool (SQLite WAL and screenshot
files), uploader and HttpsSink. The process holds no database or bucket credential.

Prints one JSON line last: the ledger of what the sources produced (input counts,
screenshots by object key with the SHA-256 of their plaintext) and the run's summary.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import random
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from activity.window import WindowInfo
from collector.pipeline.sources import SystemSources
from collector.run import CollectorConfig, run_collector
from collector.sinks.device_token import save_token
from collector.sinks.https import HttpsSink, enrol_device, token_path
from collector.sources.base import InputCounts, ScreenRect
from collector.sources.screenshot import SealedImage
from storage.config import load_settings
from storage.crypto.envelope import Sealer

# (application, window title): titles are sealed by the real sampler, so the test can check
# that what arrives opens with the person's key to one of these.
WINDOWS = (("Editor", "notes.txt - Editor"), ("Browser", "Docs - Browser"), ("Terminal", "build"))
SWITCH_EVERY = 7  # seconds per window: several spans a minute, each longer than a pulse
SHOT_SIZE = (64, 36)


@dataclass
class Ledger:
    """What the scripted sources handed to the pipeline: the truth the test compares with."""

    ticks: int = 0
    key_presses: int = 0
    mouse_clicks: int = 0
    mouse_moves: int = 0
    scrolls: int = 0
    screenshots: dict[str, str] = field(default_factory=dict)  # object key -> plaintext sha256

    def count(self, counts: InputCounts) -> None:
        """Add one second's input."""
        self.ticks += 1
        self.key_presses += counts.key_presses
        self.mouse_clicks += counts.mouse_clicks
        self.mouse_moves += counts.mouse_moves
        self.scrolls += counts.scrolls


class ScriptedCounter:
    """Seeded input counts, one draw per ``take()`` (the sampler takes once a second)."""

    def __init__(self, rng: random.Random, ledger: Ledger) -> None:
        self._rng, self._ledger = rng, ledger

    def take(self) -> InputCounts:
        """The next second's counts; never all zero, so the person never turns idle."""
        rng = self._rng
        counts = InputCounts(
            rng.randint(0, 9), rng.randint(0, 2), rng.randint(1, 40), rng.randint(0, 3)
        )
        self._ledger.count(counts)
        return counts


class ScriptedWindow:
    """Cycles through ``WINDOWS``, ``SWITCH_EVERY`` samples each, from a seeded offset."""

    def __init__(self, offset: int) -> None:
        self._calls = offset

    def current(self) -> WindowInfo:
        """The active window of this sample."""
        app, title = WINDOWS[(self._calls // SWITCH_EVERY) % len(WINDOWS)]
        self._calls += 1
        return WindowInfo(app, title, None)


class ScriptedShooter:
    """Seals a tiny generated JPEG per shot and notes its key and plaintext digest."""

    blur_radius: float = 0.0

    def __init__(self, rng: random.Random, ledger: Ledger) -> None:
        self._rng, self._ledger = rng, ledger

    def capture_sealed(
        self, sealer: Sealer, object_id: str, masks: Sequence[ScreenRect] = ()
    ) -> SealedImage:
        """One sealed image under ``object_id`` (its key), as the real taker returns it."""
        plaintext = tiny_jpeg(self._rng)
        envelope = sealer.seal(object_id, plaintext)
        self._ledger.screenshots[object_id] = hashlib.sha256(plaintext).hexdigest()
        return SealedImage(envelope, *SHOT_SIZE)


def tiny_jpeg(rng: random.Random) -> bytes:
    """A small JPEG of a random colour: a real image, a few hundred bytes."""
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    out = io.BytesIO()
    Image.new("RGB", SHOT_SIZE, colour).save(out, format="JPEG", quality=80)
    return out.getvalue()


def scripted_sources(seed: int, ledger: Ledger) -> SystemSources:
    """Counter, window source and shooter, all seeded by ``seed``."""
    rng = random.Random(seed)
    return SystemSources(
        counter=ScriptedCounter(rng, ledger),
        window=ScriptedWindow(seed * 3),
        shooter=ScriptedShooter(random.Random(seed + 1_000_000), ledger),
    )


def enrolled_sink(url: str, code: str, spool: Path) -> HttpsSink:
    """Spend ``code`` at ``url`` and keep the token in the spool folder, as `traq collect`."""
    token = enrol_device(url, code, name=f"fleet-{spool.name}")
    save_token(token_path({}, spool), token)
    return HttpsSink(token)


def collect(args: argparse.Namespace) -> dict[str, Any]:
    """Enrol, run the real pipeline behind scripted sources, return ledger and summary."""
    spool = Path(args.spool).resolve()
    ledger = Ledger()
    sink = enrolled_sink(args.url, args.code, spool)
    config = CollectorConfig(
        load_settings({"TRAQ_DATA_DIR": str(spool.parent)}),  # unused: the sink is given
        spool,
        screenshot_interval=args.screenshot_interval,
        flush_interval=args.flush_interval,
        upload_interval=args.upload_interval,
        check_interval=30.0,
    )
    summary = run_collector(
        config,
        args.seconds,
        sink=sink,
        open_sources=lambda _grab_screen: scripted_sources(args.seed, ledger),
    )
    token = sink.enrolled
    return {
        "device_id": token.device_id,
        "person_id": token.person_id,
        "pseudonym": token.pseudonym,
        "ledger": asdict(ledger),
        "summary": json.loads(summary.to_json()),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of one scripted collector."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--code", required=True)
    parser.add_argument("--spool", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--screenshot-interval", type=float, default=3.0)
    parser.add_argument("--flush-interval", type=float, default=1.0)
    parser.add_argument("--upload-interval", type=float, default=2.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run one collector; its result is the last line on stdout."""
    # The pipeline logs outages and recoveries: keep them on stderr for a failing test.
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(name)s: %(message)s")
    print(json.dumps(collect(parse_args(argv))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
