"""The request lifecycle, immediate effects, access rules and auditing, on every database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from services.rights import (
    AccessDenied,
    InvalidTransition,
    extend,
    file_request,
    get_request,
    list_requests,
    load_actor,
    set_restriction,
    transition,
)
from storage import audit
from storage.db.schema import audit_log, devices, people
from storage.rollups import refresh_rollups
from tests.analytics.builders import add_person
from tests.rights.conftest import Org

NOW = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)


def _actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).scalars()
        )


def test_full_lifecycle_is_audited_and_verifies(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        alice, dpo = load_actor(c, "alice"), load_actor(c, "dora")
        request = file_request(c, alice, org.alice, "access", NOW)
        assert request.state == "received" and request.due_at == NOW.replace(month=2, day=28)
        for action in ("review", "approve", "start", "complete"):
            request = transition(c, dpo, request.id, action, NOW)
        assert request.state == "completed" and request.closed_at == NOW
    assert _actions(engine) == [
        "request.filed", "request.in_review", "request.approved",
        "request.in_progress", "request.completed",
    ]  # fmt: skip
    assert audit.verify(engine).ok


def test_rejection_needs_a_reason_and_closes(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        alice, dpo = load_actor(c, "alice"), load_actor(c, "dora")
        request = file_request(c, alice, org.alice, "erasure", NOW)
        with pytest.raises(InvalidTransition, match="reason"):
            transition(c, dpo, request.id, "reject", NOW)
        request = transition(c, dpo, request.id, "reject", NOW, reason="legal obligation")
        assert request.state == "rejected" and request.decision_reason == "legal obligation"
        with pytest.raises(InvalidTransition, match="rejected"):
            transition(c, dpo, request.id, "start", NOW)


def test_one_extension_with_a_reason(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        alice, dpo = load_actor(c, "alice"), load_actor(c, "dora")
        request = file_request(c, alice, org.alice, "access", NOW)
        request = extend(c, dpo, request.id, 2, "complex request", NOW)
        assert request.extended_due_at == datetime(2026, 4, 28, 10, tzinfo=UTC)
        assert request.extension_reason == "complex request"
        assert not request.flags(NOW + timedelta(days=40))["overdue"]
        with pytest.raises(InvalidTransition, match="already extended"):
            extend(c, dpo, request.id, 1, "again", NOW)


def test_overdue_requests_come_first_in_the_queue(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        alice, bob, dpo = (load_actor(c, n) for n in ("alice", "bob", "dora"))
        late = file_request(c, alice, org.alice, "access", NOW)
        file_request(c, bob, org.bob, "access", NOW + timedelta(days=20))
        queue = list_requests(c, dpo, NOW + timedelta(days=31))
    assert queue[0].id == late.id and queue[0].flags(NOW + timedelta(days=31))["overdue"]
    assert queue[1].flags(NOW + timedelta(days=31))["due_soon"] is False


@pytest.mark.parametrize(
    ("kind", "flag"), [("consent_withdrawal", "consent"), ("objection", "objected")]
)
def test_withdrawal_and_objection_take_effect_when_filed(
    engine: Engine, org: Org, kind: str, flag: str
) -> None:
    with engine.begin() as c:
        file_request(c, load_actor(c, "alice"), org.alice, kind, NOW)
        row = c.execute(select(people).where(people.c.id == org.alice)).one()
    assert getattr(row, flag) in ("withdrawn", True)


def test_a_person_cannot_file_see_or_list_anothers_request(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        alice, bob = load_actor(c, "alice"), load_actor(c, "bob")
        with pytest.raises(AccessDenied):
            file_request(c, alice, org.bob, "access", NOW)
        bobs = file_request(c, bob, org.bob, "access", NOW)
        with pytest.raises(AccessDenied):
            get_request(c, alice, bobs.id, NOW)
        assert list_requests(c, alice, NOW) == []
        assert [r.id for r in list_requests(c, bob, NOW)] == [bobs.id]
        with pytest.raises(AccessDenied):
            transition(c, alice, bobs.id, "approve", NOW)
        with pytest.raises(AccessDenied):
            get_request(c, load_actor(c, "boss"), bobs.id, NOW)


def test_dpo_files_on_behalf_only_with_identity_verification(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        dpo = load_actor(c, "dora")
        with pytest.raises(AccessDenied, match="identity"):
            file_request(c, dpo, org.alice, "access", NOW)
        request = file_request(
            c, dpo, org.alice, "access", NOW, identity_verification="passport seen in person"
        )
        assert request.identity_verification == "passport seen in person"
        assert get_request(c, dpo, request.id, NOW).id == request.id
    assert "request.viewed" in _actions(engine)


def test_restriction_and_lift(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        dpo = load_actor(c, "dora")
        set_restriction(c, dpo, org.alice, True, NOW)
        assert c.execute(select(people.c.restricted).where(people.c.id == org.alice)).scalar()
        set_restriction(c, dpo, org.alice, False, NOW)
        assert not c.execute(select(people.c.restricted).where(people.c.id == org.alice)).scalar()
        with pytest.raises(AccessDenied):
            set_restriction(c, load_actor(c, "alice"), org.alice, True, NOW)
    assert _actions(engine)[-2:] == ["person.restricted", "person.restriction_lifted"]


def test_restricted_or_objecting_people_leave_every_aggregate_until_lifted(
    engine: Engine, org: Org
) -> None:
    from analytics import load_daily, load_minutes, load_people, load_slots
    from analytics.periods import Period
    from tests.analytics.builders import add_minutes, run_of_minutes, utc

    start = utc("2026-01-20T09:00")
    with engine.begin() as c:
        # Carol stays eligible: loaders fail on an empty eligible set (reported to analytics).
        carol, _ = add_person(c, c.execute(select(people.c.team_id)).scalars().first() or 0)
        for person in (org.alice, org.bob, carol):
            device = c.execute(
                select(devices.c.id).where(devices.c.person_id == person)
            ).scalar_one()
            add_minutes(c, person, device, run_of_minutes(start, 30))
            refresh_rollups(c, person, start, start + 1800, "Europe/Paris")
    period = Period.last_days(30, NOW)

    def visible() -> set[int]:
        """Who is in analytics: the same people in every loader, raw rows and rollups."""
        people_ids = set(load_people(engine).collect()["person_id"].to_list())
        daily = set(load_daily(engine, period).collect()["person_id"].to_list())
        for loader in (load_slots, load_minutes):
            assert set(loader(engine, period).collect()["person_id"].to_list()) == daily
        assert daily <= people_ids
        return daily

    assert visible() == {org.alice, org.bob, carol}
    with engine.begin() as c:
        dpo = load_actor(c, "dora")
        set_restriction(c, dpo, org.alice, True, NOW)
        file_request(c, load_actor(c, "bob"), org.bob, "objection", NOW)
    assert visible() == {carol}
    with engine.begin() as c:
        set_restriction(c, load_actor(c, "dora"), org.alice, False, NOW)
    assert visible() == {org.alice, carol}
