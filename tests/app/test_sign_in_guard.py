"""The sign-in guard's waits, on a clock the test moves."""

from __future__ import annotations

from services.sign_in_guard import FORGET_AFTER, FREE_TRIES, LONGEST_WAIT, SignInGuard


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_waits_double_after_the_free_tries_and_a_success_clears_them() -> None:
    clock = Clock()
    guard = SignInGuard(clock)
    for _ in range(FREE_TRIES - 1):
        guard.failed("ada", "10.0.0.1")
        assert guard.wait_left("ada", "10.0.0.1") == 0
    waits = []
    for _ in range(4):
        guard.failed("ada", "10.0.0.1")
        waits.append(guard.wait_left("ada", "10.0.0.1"))
    assert waits == [1.0, 2.0, 4.0, 8.0]
    clock.now += 8.0
    assert guard.wait_left("ada", "10.0.0.1") == 0
    guard.succeeded("ada", "10.0.0.1")
    guard.failed("ada", "10.0.0.1")
    assert guard.wait_left("ada", "10.0.0.1") == 0


def test_one_client_guessing_many_names_is_slowed_and_others_are_not() -> None:
    guard = SignInGuard(Clock())
    for name in ("ada", "bob", "cyd", "dee", "eve"):
        guard.failed(name, "10.0.0.9")
    assert guard.wait_left("fay", "10.0.0.9") == 4.0  # the client's fifth failure
    assert guard.wait_left("fay", "10.0.0.2") == 0
    assert guard.wait_left("ADA", None) == 0  # one failure for that account


def test_waits_are_capped_and_a_quiet_hour_forgets() -> None:
    clock = Clock()
    guard = SignInGuard(clock)
    for _ in range(40):
        guard.failed("ada", None)
    assert guard.wait_left("ada", None) == LONGEST_WAIT
    clock.now += FORGET_AFTER + 1
    assert guard.wait_left("ada", None) == 0
    assert guard.failed("ada", None) == 1
