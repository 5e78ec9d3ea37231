"""Consent and policy: the directive the collector obeys, and the screenshot schedule."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest

from collector.errors import CollectorConfigError
from collector.pipeline.schedule import next_shot_at
from collector.pipeline.subject import cached_state
from collector.pipeline.watcher import (
    DEFAULT_CHECK_INTERVAL,
    STOP_CONSENT,
    STOP_OBJECTION,
    directive_for,
    stop_reason_for,
)
from collector.spool.device import DeviceIdentity
from storage.policies import DEFAULT_POLICIES
from storage.vault import SubjectPublicKey
from storage.writes import SubjectState

STATE = SubjectState(
    person_id=1,
    pseudonym="s_00000000000000a1",
    consent="given",
    objected=False,
    restricted=False,
    timezone="UTC",
    public_key=SubjectPublicKey("k1", bytes(32)),
    policies=dict(DEFAULT_POLICIES),
)


def test_the_policy_is_checked_every_minute_by_default() -> None:
    assert DEFAULT_CHECK_INTERVAL == 60.0


def test_withdrawn_consent_or_an_objection_stops_capture() -> None:
    assert stop_reason_for(STATE) is None
    assert stop_reason_for(replace(STATE, consent="withdrawn")) == STOP_CONSENT
    assert stop_reason_for(replace(STATE, objected=True)) == STOP_OBJECTION
    assert directive_for(replace(STATE, objected=True)).stop_reason == STOP_OBJECTION


def test_restriction_stops_screenshots_but_not_capture() -> None:
    restricted = directive_for(replace(STATE, restricted=True))
    assert restricted.stop_reason is None and restricted.screenshots_allowed is False
    assert directive_for(STATE).screenshots_allowed is True


def test_an_offline_start_keeps_the_last_restriction_seen() -> None:
    identity = DeviceIdentity(
        pseudonym=STATE.pseudonym, person_id=1, device_id=7, key_id="k1",
        public_key=bytes(32), timezone="UTC", restricted=True, policies=dict(DEFAULT_POLICIES),
    )  # fmt: skip
    cached = cached_state(DeviceIdentity.from_json(identity.to_json()))
    assert cached.restricted is True and directive_for(cached).screenshots_allowed is False
    older = json.loads(identity.to_json())
    del older["restricted"]  # a device.json written before restriction was cached
    assert DeviceIdentity.from_json(json.dumps(older)).restricted is False


def test_screenshots_follow_the_policy_interval_jitter_and_blur() -> None:
    policies = {**DEFAULT_POLICIES, "screenshot_interval_seconds": 300, "screenshot_blur": True}
    directive = directive_for(replace(STATE, policies=policies))
    assert directive.screenshot_interval == 300
    assert directive.screenshot_jitter == DEFAULT_POLICIES["screenshot_jitter_seconds"]
    assert directive.screenshot_blur is True
    assert directive.idle_threshold == DEFAULT_POLICIES["idle_threshold_seconds"]


def test_an_explicit_interval_keeps_jitter_within_a_fifth_of_it() -> None:
    directive = directive_for(STATE, interval_override=10.0)
    assert directive.screenshot_interval == 10.0 and directive.screenshot_jitter == 2.0


def test_malformed_privacy_filters_are_a_config_error() -> None:
    policies = {**DEFAULT_POLICIES, "privacy_filters": [{"match": "title", "pattern": "("}]}
    with pytest.raises(CollectorConfigError):
        directive_for(replace(STATE, policies=policies))


def test_screenshot_times_are_jittered_around_the_interval() -> None:
    rng = random.Random(3)
    gaps = [next_shot_at(1000.0, 600.0, 120.0, rng) - 1000.0 for _ in range(200)]
    assert all(480.0 <= gap <= 720.0 for gap in gaps)
    assert max(gaps) - min(gaps) > 120.0  # spread, not fixed
    assert next_shot_at(0.0, 1.0, 5.0, rng) >= 1.0  # never sooner than a second
