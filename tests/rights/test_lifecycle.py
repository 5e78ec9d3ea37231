"""Every request can end: reject or close from any open state, withdraw by the person,
closed by the person's erasure; no duplicates; deadlines per law, extensions in time only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from services.rights import AccessDenied, InvalidTransition, file_request, load_actor, transition
from services.rights.deadlines import LAWS, due_for, extended_for
from services.rights.rectify import apply_rectification, file_rectification
from services.rights.requests import extend, load_request, withdraw
from storage.db.schema import people, rights_requests
from storage.erasure import ERASED_REASON, scrub_requests
from storage.policies import set_policy
from tests.rights.conftest import Org

NOW = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("law", "received", "due", "extended"),
    [
        ("GDPR", "2026-01-31T10:00", "2026-02-28T10:00", "2026-04-28T10:00"),
        ("UK GDPR", "2028-01-31T10:00", "2028-02-29T10:00", "2028-04-29T10:00"),  # leap year
        ("FADP", "2026-01-31T10:00", "2026-03-02T10:00", "2026-04-01T10:00"),
        ("PIPEDA", "2026-02-10T09:00", "2026-03-12T09:00", "2026-04-11T09:00"),
        ("CCPA", "2026-01-31T10:00", "2026-03-17T10:00", "2026-05-01T10:00"),  # 45 + 45 days
    ],
)
def test_each_law_has_its_period_and_its_extension(
    law: str, received: str, due: str, extended: str
) -> None:
    assert due_for(LAWS[law], at(received)) == at(due)
    assert extended_for(LAWS[law], at(due), 2, at(received)) == at(extended)


def test_an_extension_after_the_first_period_is_refused() -> None:
    # Received 31 January, due 28 February: on day 45 it is too late to tell the person.
    with pytest.raises(ValueError, match="within the first period"):
        extended_for(LAWS["GDPR"], at("2026-02-28T10:00"), 2, at("2026-03-17T10:00"))


@pytest.mark.parametrize("law", sorted(LAWS))
def test_an_extension_is_allowed_to_the_last_moment_of_the_first_period_and_not_after(
    law: str,
) -> None:
    # The boundary itself: on the due instant the person can still be told; a second later not.
    due = due_for(LAWS[law], at("2026-01-31T10:00"))
    assert extended_for(LAWS[law], due, 2, due) > due
    with pytest.raises(ValueError, match=f"under {law} an extension must be made"):
        extended_for(LAWS[law], due, 2, due + timedelta(seconds=1))


def test_a_persons_jurisdiction_sets_the_due_date_and_the_extension(
    engine: Engine, org: Org
) -> None:
    with engine.begin() as c:
        c.execute(update(people).where(people.c.id == org.bob).values(jurisdiction="CCPA"))
        set_policy(c, "default_jurisdiction", "PIPEDA", "test", NOW)
        alice, bob, dpo = load_actor(c, "alice"), load_actor(c, "bob"), load_actor(c, "dora")
        for_alice = file_request(c, alice, org.alice, "access", NOW)
        for_bob = file_request(c, bob, org.bob, "access", NOW)
        assert for_alice.due_at == NOW + timedelta(days=30)  # the policy's default law
        assert for_bob.due_at == NOW + timedelta(days=45) and for_bob.details["law"] == "CCPA"
        late = NOW + timedelta(days=46)
        with pytest.raises(InvalidTransition, match="within the first period"):
            extend(c, dpo, for_bob.id, 2, "many systems to search", late)
        extended = extend(c, dpo, for_bob.id, 2, "many systems to search", NOW)
        assert extended.extended_due_at == NOW + timedelta(days=90)


def test_every_open_state_has_a_way_out(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        alice, dpo = load_actor(c, "alice"), load_actor(c, "dora")
        kinds = ["access", "portability", "restriction", "erasure"]
        made = [file_request(c, alice, org.alice, kind, NOW) for kind in kinds]
        transition(c, dpo, made[0].id, "approve", NOW)
        with pytest.raises(InvalidTransition, match="needs a reason"):
            transition(c, dpo, made[0].id, "reject", NOW, reason="  ")
        assert transition(c, dpo, made[0].id, "reject", NOW, reason="not ours").state == (
            "rejected"
        )
        transition(c, dpo, made[1].id, "approve", NOW)
        transition(c, dpo, made[1].id, "start", NOW)
        closed = transition(c, dpo, made[1].id, "close", NOW, reason="answered by post")
        assert closed.state == "closed" and closed.closed_at == NOW
        assert withdraw(c, alice, made[2].id, NOW).state == "withdrawn"
        with pytest.raises(InvalidTransition, match="nothing to withdraw"):
            withdraw(c, alice, made[2].id, NOW)
        with pytest.raises(AccessDenied):
            withdraw(c, load_actor(c, "bob"), made[3].id, NOW)


def test_a_second_open_request_of_a_kind_points_to_the_first(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        alice, dpo = load_actor(c, "alice"), load_actor(c, "dora")
        first = file_request(c, alice, org.alice, "access", NOW)
        with pytest.raises(InvalidTransition, match=f"already open \\(request #{first.id}\\)"):
            file_request(c, alice, org.alice, "access", NOW)
        transition(c, dpo, first.id, "reject", NOW, reason="duplicate of a letter")
        assert file_request(c, alice, org.alice, "access", NOW).state == "received"


def test_an_erasure_closes_the_persons_other_requests(engine: Engine, org: Org) -> None:
    with engine.begin() as c:
        alice = load_actor(c, "alice")
        erasure = file_request(c, alice, org.alice, "erasure", NOW)
        access = file_request(c, alice, org.alice, "access", NOW)
        bobs = file_request(c, load_actor(c, "bob"), org.bob, "access", NOW)
        scrub_requests(c, org.alice, NOW, keep_open=erasure.id)
        closed = load_request(c, access.id)
        assert (closed.state, closed.decision_reason, closed.person_id) == (
            "closed", ERASED_REASON, None,
        )  # fmt: skip
        assert load_request(c, erasure.id).state == "received"  # its caller completes it
        assert load_request(c, bobs.id).state == "received"


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "IANA"),
        ({"email": "not-an-email"}, "e-mail"),
        ({"display_name": "x" * 20_000}, "display name"),
    ],
)
def test_a_rectification_is_checked_like_the_admin_forms(
    engine: Engine, org: Org, profile: dict[str, str], message: str
) -> None:
    with engine.begin() as c:
        with pytest.raises(InvalidTransition, match=message):
            file_rectification(c, load_actor(c, "alice"), org.alice, NOW, profile=profile)


def test_a_bad_rectification_stored_earlier_is_refused_at_applying_and_can_be_rejected(
    engine: Engine, org: Org
) -> None:
    with engine.begin() as c:
        alice, dpo = load_actor(c, "alice"), load_actor(c, "dora")
        filed = file_rectification(c, alice, org.alice, NOW, profile={"timezone": "Europe/Oslo"})
        # As a request filed before the checks existed would hold it.
        c.execute(
            update(rights_requests)
            .where(rights_requests.c.id == filed.id)
            .values(details={"profile": {"timezone": "Mars/Olympus_Mons"}, "untracked": []})
        )
        transition(c, dpo, filed.id, "approve", NOW)
        with pytest.raises(InvalidTransition, match="IANA"):
            apply_rectification(None, c, dpo, filed.id, NOW)  # type: ignore[arg-type]
        zone = c.scalar(select(people.c.timezone).where(people.c.id == org.alice))
        assert zone != "Mars/Olympus_Mons"
        assert transition(c, dpo, filed.id, "reject", NOW, reason="no such zone").state == (
            "rejected"
        )
