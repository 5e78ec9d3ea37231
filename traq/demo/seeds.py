"""Named random streams: every part of the demo draws from its own, independent stream.

A stream is addressed by a path of integers under the user's seed (``SeedSequence`` spawn
keys), so the numbers a person gets depend only on the seed and that person's index, never
on the order in which people are generated or on how many others there are.
"""

from __future__ import annotations

import hashlib

import numpy as np

ORG = 0
PERSON = 1
ACTIVITY = 2
SPANS = 3
SCREENSHOTS = 4
TITLES = 5
SESSIONS = 6
MANAGER = 7


def stream(seed: int, *path: int) -> np.random.Generator:
    """The generator at ``path`` under ``seed`` (for example ``stream(42, PERSON, 7)``)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=path))


def pseudonym(seed: int, index: int) -> str:
    """The demo pseudonym of person ``index``: ``s_`` and 16 hex digits, stable per seed."""
    digest = hashlib.blake2b(f"traq demo {seed} {index}".encode(), digest_size=8)
    return "s_" + digest.hexdigest()
