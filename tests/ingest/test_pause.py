"""A pause set in the workbench reaches an enrolled device through the ingestion service."""

from __future__ import annotations

from datetime import UTC, datetime

from collector.pipeline.watcher import directive_for
from services.tracking import set_tracking_paused
from tests.ingest.conftest import Rig


def test_the_devices_state_carries_the_persons_pause(rig: Rig) -> None:
    sink = rig.enrolled_sink()
    person = sink.enrolled.person_id
    assert not sink.subject_state(None).paused
    set_tracking_paused(rig.install.engine, person, True, datetime.now(UTC))
    state = sink.subject_state(None)
    assert state.paused and directive_for(state).paused
    set_tracking_paused(rig.install.engine, person, False, datetime.now(UTC))
    assert not directive_for(sink.subject_state(None)).paused
