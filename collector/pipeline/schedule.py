"""When the next screenshot is due: every interval, with random jitter (pure)."""

from __future__ import annotations

import random

MIN_GAP_SECONDS = 1.0


def next_shot_at(now: float, interval: float, jitter: float, rng: random.Random) -> float:
    """``now`` plus ``interval`` moved by up to ``jitter`` either way, at least 1 s ahead.

    Why jitter: a screenshot at a predictable moment invites staging it.
    """
    if interval <= 0 or jitter < 0:
        raise ValueError("screenshot interval must be positive and jitter not negative")
    return now + max(MIN_GAP_SECONDS, interval + rng.uniform(-jitter, jitter))
