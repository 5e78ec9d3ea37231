"""The DPO's grants over every backend: who may give them, when they are live, all audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from services.errors import AccessDenied, InvalidRequest
from services.grants import give_grant, list_grants, revoke_grant
from services.rights import Actor, load_actor
from storage import audit
from storage.accounts import create_user
from storage.db.schema import audit_log
from storage.grants import live_grants

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
PERIOD = (date(2026, 2, 1), date(2026, 2, 28))
UNTIL = date(2026, 3, 31)


@pytest.fixture
def accounts(engine: Engine) -> dict[str, int]:
    """A DPO, a second DPO, an analyst, another employee, a manager and an admin."""
    roles = {
        "ilse": "dpo", "otto": "dpo", "ana.lyst": "employee", "eve": "employee",
        "max": "manager", "rosa": "admin",
    }  # fmt: skip
    with engine.begin() as c:
        return {name: create_user(c, name, role, None, NOW) for name, role in roles.items()}


def _actor(engine: Engine, username: str) -> Actor:
    with engine.connect() as c:
        return load_actor(c, username)


def _give(engine: Engine, by: str = "ilse", to: str = "ana.lyst", **kw: object) -> int:
    args: dict[str, object] = {"period": PERIOD, "now": NOW, "usable_until": UNTIL, **kw}
    with engine.begin() as c:
        return give_grant(c, _actor(engine, by), to, "capacity study", **args).id  # type: ignore[arg-type]


def test_a_grant_is_live_until_the_end_of_its_last_usable_day(
    engine: Engine, accounts: dict[str, int]
) -> None:
    grant = _give(engine)
    analyst = accounts["ana.lyst"]
    with engine.connect() as c:
        assert [g.id for g in live_grants(c, analyst, NOW)] == [grant]
        last = datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)
        assert [g.id for g in live_grants(c, analyst, last)] == [grant]
        assert live_grants(c, analyst, last + timedelta(seconds=1)) == []
        assert live_grants(c, analyst, NOW - timedelta(seconds=1)) == []  # not before given
        assert live_grants(c, accounts["eve"], NOW) == []
        listed = list_grants(c, _actor(engine, "otto"), last + timedelta(days=1))
    assert [(g["id"], g["state"], g["account"]) for g in listed] == [(grant, "expired", "ana.lyst")]


def test_revoking_ends_a_grant_at_once_and_only_once(
    engine: Engine, accounts: dict[str, int]
) -> None:
    grant = _give(engine)
    later = NOW + timedelta(hours=1)
    with engine.begin() as c:
        assert revoke_grant(c, _actor(engine, "otto"), grant, later).state(later) == "revoked"
    with engine.connect() as c:
        assert live_grants(c, accounts["ana.lyst"], later) == []
    with engine.begin() as c, pytest.raises(InvalidRequest, match="already revoked"):
        revoke_grant(c, _actor(engine, "ilse"), grant, later)
    with engine.begin() as c, pytest.raises(InvalidRequest, match="no grant"):
        revoke_grant(c, _actor(engine, "ilse"), grant + 99, later)


def test_giving_and_revoking_are_in_the_verified_audit_log(
    engine: Engine, accounts: dict[str, int]
) -> None:
    grant = _give(engine)
    with engine.begin() as c:
        revoke_grant(c, _actor(engine, "ilse"), grant, NOW)
    with engine.connect() as c:
        rows = c.execute(select(audit_log).order_by(audit_log.c.seq)).all()
    given, revoked = rows
    assert given.action == "grant.given" and revoked.action == "grant.revoked"
    assert given.actor == audit.user_ref(accounts["ilse"])
    assert given.subject_ref == audit.user_ref(accounts["ana.lyst"])
    assert given.details == {
        "grant": grant, "purpose": "capacity study", "from": "2026-02-01",
        "to": "2026-02-28", "usable_until": "2026-03-31",
    }  # fmt: skip
    assert revoked.details == {"grant": grant}
    assert audit.verify(engine).ok


@pytest.mark.parametrize("who", ["ana.lyst", "max", "rosa"])
def test_only_the_dpo_gives_lists_and_revokes(
    engine: Engine, accounts: dict[str, int], who: str
) -> None:
    grant = _give(engine)
    actor = _actor(engine, who)
    with engine.begin() as c:
        with pytest.raises(AccessDenied, match="only the DPO"):
            give_grant(c, actor, "eve", "mine", PERIOD, NOW, UNTIL)
        with pytest.raises(AccessDenied, match="only the DPO"):
            list_grants(c, actor, NOW)
        with pytest.raises(AccessDenied, match="only the DPO"):
            revoke_grant(c, actor, grant, NOW)


@pytest.mark.parametrize(
    ("to", "kw", "error", "match"),
    [
        ("ilse", {}, AccessDenied, "their own account"),
        ("otto", {}, AccessDenied, "dpo account cannot hold"),
        ("max", {}, AccessDenied, "manager account cannot hold"),
        ("nobody.here", {}, InvalidRequest, "no enabled account"),
        ("ana.lyst", {"purpose": "  "}, InvalidRequest, "purpose"),
        ("ana.lyst", {"period": (PERIOD[1], PERIOD[0])}, InvalidRequest, "after its last"),
        ("ana.lyst", {"usable_until": date(2026, 3, 1)}, InvalidRequest, "expired at once"),
        ("ana.lyst", {"usable_until": None}, InvalidRequest, "expired at once"),
    ],
)
def test_bad_grants_are_refused_and_nothing_is_written(
    engine: Engine,
    accounts: dict[str, int],
    to: str,
    kw: dict[str, object],
    error: type[Exception],
    match: str,
) -> None:
    args: dict[str, object] = {
        "purpose": "capacity study", "period": PERIOD, "now": NOW, "usable_until": UNTIL, **kw,
    }  # fmt: skip
    with pytest.raises(error, match=match), engine.begin() as c:
        give_grant(c, _actor(engine, "ilse"), to, **args)  # type: ignore[arg-type]
    with engine.connect() as c:
        assert list_grants(c, _actor(engine, "ilse"), NOW) == []
        assert c.execute(select(audit_log.c.seq)).first() is None
