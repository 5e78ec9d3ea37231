"""Whose device this is: bind the run to a person and a device, online or from the cache.

The first run needs the person (``--subject PSEUDONYM``, or the installation's only
person), registers a device row for them and writes ``device.json`` in the spool folder;
later runs read it. When storage is unreachable at start, a device that ran before keeps
capturing with the cached public key and policy (the spool holds); a new one cannot.
"""

from __future__ import annotations

import logging
import secrets
import sys
from pathlib import Path

from collector.errors import CollectorError, SinkUnavailable
from collector.pipeline.watcher import COLLECTOR_POLICIES
from collector.sinks.base import Sink
from collector.spool.device import DeviceIdentity, load_identity, save_identity
from storage.vault import SubjectPublicKey
from storage.writes import SubjectState

log = logging.getLogger("collector")


def bind_subject(
    sink: Sink, folder: Path, pseudonym: str | None
) -> tuple[DeviceIdentity, SubjectState]:
    """The device's identity and the person's current (or last known) state."""
    stored = load_identity(folder)
    if stored is not None and pseudonym is not None and stored.pseudonym != pseudonym:
        raise CollectorError(
            f"this spool belongs to subject {stored.pseudonym}; "
            "use another TRAQ_SPOOL_DIR for another person"
        )
    try:
        state = sink.subject_state(pseudonym or (stored.pseudonym if stored else None))
    except SinkUnavailable as exc:
        if stored is None:
            raise SinkUnavailable(f"{exc}; the first run needs storage") from exc
        log.warning("storage unreachable at start; capturing with the cached key and policy")
        return stored, cached_state(stored)
    if stored is not None and stored.person_id == state.person_id:
        device_id = stored.device_id
    else:
        device_id = sink.register_device(state.person_id, _device_name(), sys.platform)
    identity = remember_state(folder, device_id, state)
    return identity, state


def remember_state(folder: Path, device_id: int, state: SubjectState) -> DeviceIdentity:
    """Write ``device.json`` for ``state``; return the identity written."""
    identity = DeviceIdentity(
        pseudonym=state.pseudonym,
        person_id=state.person_id,
        device_id=device_id,
        key_id=state.public_key.key_id,
        public_key=state.public_key.public_key,
        timezone=state.timezone,
        consent=state.consent,
        objected=state.objected,
        restricted=state.restricted,
        policies={name: state.policies[name] for name in COLLECTOR_POLICIES},
    )
    save_identity(folder, identity)
    return identity


def cached_state(identity: DeviceIdentity) -> SubjectState:
    """The state last seen online, from ``device.json``."""
    return SubjectState(
        person_id=identity.person_id,
        pseudonym=identity.pseudonym,
        consent=identity.consent,
        objected=identity.objected,
        restricted=identity.restricted,
        timezone=identity.timezone,
        public_key=SubjectPublicKey(identity.key_id, identity.public_key),
        policies=dict(identity.policies),
    )


def _device_name() -> str:
    # Why not the host name: it often carries the owner's name ("alice-laptop").
    return f"{sys.platform}-{secrets.token_hex(3)}"
