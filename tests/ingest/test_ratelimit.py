"""Per-device rate limits: a token bucket, 429 with Retry-After past the burst."""

from __future__ import annotations

import pytest

from collector.errors import SinkUnavailable
from ingest.ratelimit import RateLimiter, retry_after_header
from tests.ingest.conftest import Rig
from tests.ingest.rows import minutes
from tests.ingest.service import assert_refused, call


def test_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    limiter = RateLimiter(rate=2.0, burst=3)
    assert [limiter.take(1, 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take(1, 100.0) == pytest.approx(0.5)
    assert limiter.take(2, 100.0) == 0.0  # another device has its own bucket
    assert limiter.take(1, 100.5) == 0.0
    assert retry_after_header(0.2) == "1" and retry_after_header(2.1) == "3"


def test_device_over_its_rate_gets_429_with_retry_after(slow_rig: Rig) -> None:
    sink = slow_rig.enrolled_sink()
    url, token = f"{slow_rig.url}/v1/batches", sink.enrolled.token
    answers = [call("POST", url, {"minutes": []}, token=token) for _ in range(5)]
    assert [a.status for a in answers[:3]] == [200, 200, 200]
    assert_refused(answers[3], 429, "slow down")
    assert int(answers[3].headers["retry-after"]) >= 1
    # Another device is not slowed down by the first.
    other = slow_rig.enrolled_sink()
    assert call("POST", url, {"minutes": []}, token=other.enrolled.token).status == 200
    # The collector's sink reports it as "try later": its spool holds, the uploader backs off.
    with pytest.raises(SinkUnavailable, match="429"):
        sink.send_minutes(minutes(sink.enrolled, 1))
