"""Password guessing gets slower with every failure, per account and per client.

After ``FREE_TRIES`` failures in a row, an account (or a client address) must wait before
its next try: 1 s, then 2, 4, ... up to ``LONGEST_WAIT``. A try inside the wait is refused
without checking the password, so parallel sessions do not guess faster. A success clears
the account's and the client's counts. The counts live in the server process: one workbench
server per installation is the supported layout (a restart forgets them, which an attacker
cannot cause from the sign-in page).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

FREE_TRIES = 3
LONGEST_WAIT = 300.0  # seconds
FORGET_AFTER = 3600.0  # a quiet hour clears a count


@dataclass
class _Failures:
    count: int
    last: float


class SignInGuard:
    """Failure counts keyed by account name and by client address."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], _Failures] = {}

    def wait_left(self, username: str, client: str | None) -> float:
        """Seconds before the next try may be checked (0 when it may be now)."""
        now = self._clock()
        with self._lock:
            return max((self._left(key, now) for key in _keys(username, client)), default=0.0)

    def failed(self, username: str, client: str | None) -> int:
        """Count a failure; return the account's failures in a row."""
        now = self._clock()
        with self._lock:
            for key in _keys(username, client):
                known = self._failures.get(key)
                stale = known is None or now - known.last > FORGET_AFTER
                count = 1 if known is None or stale else known.count + 1
                self._failures[key] = _Failures(count, now)
            return self._failures[("account", username.casefold())].count

    def succeeded(self, username: str, client: str | None) -> None:
        """Clear the counts of this account and client."""
        with self._lock:
            for key in _keys(username, client):
                self._failures.pop(key, None)

    def forget_all(self) -> None:
        """Clear every count (a test's fresh server)."""
        with self._lock:
            self._failures.clear()

    def _left(self, key: tuple[str, str], now: float) -> float:
        known = self._failures.get(key)
        if known is None or known.count < FREE_TRIES or now - known.last > FORGET_AFTER:
            return 0.0
        wait = min(2.0 ** (known.count - FREE_TRIES), LONGEST_WAIT)
        return max(0.0, known.last + wait - now)


def _keys(username: str, client: str | None) -> list[tuple[str, str]]:
    keys = [("account", username.casefold())]
    if client:
        keys.append(("client", client))
    return keys


GUARD = SignInGuard()  # the server process's counts
