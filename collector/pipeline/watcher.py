"""Consent and policy: what the collector may capture now, re-read every minute.

``directive_for`` turns the person's state and the policies into a ``Directive`` (pure);
``PolicyWatcher`` re-reads the state from the sink on its own thread every
``interval`` seconds (60 by default) and publishes the newest directive. A withdrawn
consent, an objection or a person no longer in storage stop capture; while storage is
unreachable the last directive stays in force.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from activity.errors import RuleError
from activity.privacy_filter import PrivacyRule, rules_from_policy
from collector.errors import CollectorConfigError, CollectorError, SinkUnavailable, SubjectUnknown
from collector.sinks.base import Sink
from storage.errors import StorageError
from storage.vault import SubjectPublicKey
from storage.writes import SubjectState

log = logging.getLogger("collector")
DEFAULT_CHECK_INTERVAL = 60.0
STOP_CONSENT = "consent_withdrawn"
STOP_OBJECTION = "objection"
STOP_UNKNOWN = "subject_unknown"
# The policies the collector follows, cached on the device for offline starts.
COLLECTOR_POLICIES = (
    "idle_threshold_seconds",
    "screenshot_interval_seconds",
    "screenshot_jitter_seconds",
    "screenshot_blur",
    "store_window_titles",
    "privacy_filters",
)
_JITTER_SHARE = 0.2  # an explicit interval keeps jitter within a fifth of it


@dataclass(frozen=True)
class Directive:
    """What to capture now, and how; ``stop_reason`` set means capture must stop.

    ``screenshots_allowed`` is False while the person's processing is restricted (GDPR
    Art. 18): activity is still captured and stored (storage is what a restriction
    allows; analytics leave the person out, DESIGN invariant 6), but screenshots, the
    most intrusive capture, serve nothing a restriction permits, so none is taken.
    """

    stop_reason: str | None
    screenshots_allowed: bool
    paused: bool
    idle_threshold: int
    screenshot_interval: float
    screenshot_jitter: float
    screenshot_blur: bool
    store_window_titles: bool
    privacy_rules: tuple[PrivacyRule, ...]
    public_key: SubjectPublicKey


def stop_reason_for(state: SubjectState) -> str | None:
    """Why capture must stop for this person, or None if it may go on."""
    if state.consent != "given":
        return STOP_CONSENT
    if state.objected:
        return STOP_OBJECTION
    return None


def directive_for(state: SubjectState, interval_override: float | None = None) -> Directive:
    """The directive for ``state``; ``interval_override`` replaces the screenshot interval.

    Raises ``CollectorConfigError`` (a ValueError) for malformed privacy filters.
    """
    policy: dict[str, Any] = state.policies
    interval = float(policy["screenshot_interval_seconds"])
    jitter = float(policy["screenshot_jitter_seconds"])
    if interval_override is not None:
        interval = interval_override
        jitter = min(jitter, interval * _JITTER_SHARE)
    return Directive(
        stop_reason=stop_reason_for(state),
        screenshots_allowed=not state.restricted,
        paused=state.paused,
        idle_threshold=int(policy["idle_threshold_seconds"]),
        screenshot_interval=interval,
        screenshot_jitter=min(jitter, interval / 2),
        screenshot_blur=bool(policy["screenshot_blur"]),
        store_window_titles=bool(policy["store_window_titles"]),
        privacy_rules=_privacy_rules(policy["privacy_filters"]),
        public_key=state.public_key,
    )


class PolicyWatcher:
    """Re-reads consent and policy every ``interval`` seconds on a background thread."""

    def __init__(
        self,
        sink: Sink,
        pseudonym: str,
        initial: Directive,
        *,
        interval: float = DEFAULT_CHECK_INTERVAL,
        interval_override: float | None = None,
        on_state: Callable[[SubjectState], None] | None = None,
    ) -> None:
        self.directive = initial
        self.interval = interval
        self._sink = sink
        self._pseudonym = pseudonym
        self._override = interval_override
        self._on_state = on_state
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="traq-watcher", daemon=True)

    def start(self) -> None:
        """Start checking in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop checking (a read in flight finishes in the background)."""
        self._stop.set()

    def check(self) -> Directive:
        """Read the state once and publish the new directive; keep the old one on failure."""
        try:
            state = self._sink.subject_state(self._pseudonym)
            self.directive = directive_for(state, self._override)
        except SubjectUnknown:
            self.directive = replace(self.directive, stop_reason=STOP_UNKNOWN)
            return self.directive
        except (SinkUnavailable, StorageError):
            return self.directive  # the uploader reports outages; the last policy holds
        except (CollectorError, ValueError) as exc:
            log.warning("ignoring a malformed policy, keeping the previous one: %s", exc)
            return self.directive
        if self._on_state is not None:
            try:
                self._on_state(state)
            except (CollectorError, StorageError, OSError):
                pass  # remembering the state is best effort; obeying it is not
        return self.directive

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()
            if self.directive.stop_reason is not None:
                return


def _privacy_rules(value: Any) -> tuple[PrivacyRule, ...]:
    """The compiled rules; a malformed one is the collector's configuration error."""
    try:
        return tuple(rules_from_policy(value))
    except RuleError as exc:
        raise CollectorConfigError(str(exc)) from None
