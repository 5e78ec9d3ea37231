"""Offboarding: a person leaves, and the post-employment period ends in an erasure.

``offboard`` (an admin, on the People page) revokes the
person's devices, so their collectors stop at the next upload or state check, disables their
accounts, stops capture on the server and starts the policy's ``post_employment_days``
(default 90). ``erase_departed`` runs with every retention purge (the scheduled tick and
`traq retention purge`): each person gone longer than that is erased exactly as an erasure
request would erase them (keys destroyed, epoch ended, rows and objects and copies cleared,
a tombstone in the audit log), unless a legal hold stands, which is reported and wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from services.admin.base import admin_transaction
from services.rights.effects import settle_copies
from storage import audit
from storage.departures import Departure, cancel_departure, due_for_erasure, mark_departed
from storage.erasure import erase_subject
from storage.facade import Storage
from storage.policies import load_policies

PURGE_ACTOR = "system:retention"
OFFBOARDED = "person.offboarded"
DEPARTURE_CANCELLED = "person.departure_cancelled"


@dataclass
class OffboardingReport:
    """What the post-employment step did: tombstones of those erased, those a hold kept."""

    erased: list[int] = field(default_factory=list)  # audit tombstone seq per erasure
    held: list[int] = field(default_factory=list)  # person ids kept by a legal hold

    def counts(self) -> dict[str, int]:
        """The purge report's "post-employment" category (no person is named)."""
        return {"people erased": len(self.erased), "kept by a legal hold": len(self.held)}


def offboard(engine: Engine, actor_id: int, person_id: int, now: datetime) -> Departure:
    """An admin records that ``person_id`` left at ``now`` (see module doc); audited."""
    with admin_transaction(engine, actor_id) as connection:
        departure = mark_departed(connection, person_id, now)
        details = {
            "left_at": departure.left_at.isoformat(),
            "devices_revoked": departure.devices_revoked,
            "accounts_disabled": departure.accounts_disabled,
        }
        target = audit.person_ref(person_id)
        audit.append(connection, audit.user_ref(actor_id), OFFBOARDED, target, details, now)
    return departure


def keep(engine: Engine, actor_id: int, person_id: int, now: datetime) -> bool:
    """An admin cancels a departure before its erasure (the person stays); True if one stood."""
    with admin_transaction(engine, actor_id) as connection:
        cancelled = cancel_departure(connection, person_id)
        if cancelled:
            target = audit.person_ref(person_id)
            actor = audit.user_ref(actor_id)
            audit.append(connection, actor, DEPARTURE_CANCELLED, target, {}, now)
    return cancelled


def erase_departed(storage: Storage, now: datetime, dry_run: bool = False) -> OffboardingReport:
    """Erase everyone gone longer than the post-employment period; holds are kept.

    With ``dry_run`` nothing changes and ``erased`` lists 0 per person who would be erased.
    """
    report = OffboardingReport()
    with storage.engine.connect() as connection:
        days = int(load_policies(connection)["post_employment_days"])
        due = due_for_erasure(connection, days, now)
    for person in due:
        if person.legal_hold:
            report.held.append(person.person_id)
            continue
        if dry_run:
            report.erased.append(0)
            continue
        with storage.engine.begin() as connection:  # one person per transaction
            erased = erase_subject(
                connection,
                storage.objects,
                storage.vault,
                person.person_id,
                actor=PURGE_ACTOR,
                now=now,
            )
        settle_copies(storage, erased, PURGE_ACTOR, now)
        report.erased.append(erased.tombstone_seq)
    return report
