"""Per-person rows leave only under a live grant of the DPO to the exporting account (issue 15).

Written as someone who wants them out anyway: no grant, another account's grant, a revoked or
expired grant, an account owned by another OS user, days outside the granted period.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from analytics.errors import GrantRequired
from analytics.lake import person_rows
from services.grants import give_grant
from services.rights import load_actor
from storage.audit import verify
from storage.db.engine import open_engine
from storage.db.schema import audit_log, publication_cells, users
from storage.errors import NotAccountOwner
from storage.objects import open_object_store
from storage.os_accounts import link_os_user, running_os_account
from tests.lake.grants import employee_accounts, give
from tests.lake.readers import polars_frame
from tests.traq.cli import assert_one_line_error, traq
from traq.demo.accounts import DPO

FEB_FIRST, FEB_LAST = date(2026, 2, 3), date(2026, 2, 16)
PERSON_FOLDERS = ("people", "activity_minutes", "app_spans", "activity_10min", "activity_daily")


def _export(env: dict[str, str], lake_url: str, *args: str) -> dict[str, Any]:
    result = traq("export", "parquet", "--json", "--to", lake_url, *args, env=env)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _keys(lake_url: str) -> list[str]:
    return list(open_object_store(lake_url).list_keys(""))


def _manifest(lake_url: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(open_object_store(lake_url).get("_manifest.json"))
    return document


def _entries(database_url: str, action: str) -> list[Any]:
    engine = open_engine(database_url)
    with engine.connect() as c:
        rows = c.execute(select(audit_log).where(audit_log.c.action == action)).all()
    engine.dispose()
    return list(rows)


def test_without_a_grant_the_lake_holds_the_published_cells_only(
    demo_env: dict[str, str], lake_url: str
) -> None:
    report = _export(demo_env, lake_url)
    keys = _keys(lake_url)
    assert keys[-1] == "_manifest.json" or "_manifest.json" in keys
    folders = {key.split("/")[0] for key in keys if key != "_manifest.json"}
    assert folders == {"publication_units", "publication_cells"}
    assert _manifest(lake_url)["person_rows"] is None
    cells = polars_frame(lake_url, "publication_cells")
    assert report["rows_written"] >= cells.height > 0
    assert "person_id" not in cells.columns
    # A suppressed cell never leaves: its key would name a hidden application.
    assert cells["people"].null_count() == 0
    engine = open_engine(demo_env["TRAQ_DATABASE_URL"])
    with engine.connect() as c:
        shown = c.execute(
            select(publication_cells.c.kind, publication_cells.c.key).where(
                publication_cells.c.people.is_not(None)
            )
        ).all()
        hidden_apps = set(
            c.execute(
                select(publication_cells.c.key).where(
                    publication_cells.c.people.is_(None), publication_cells.c.kind == "app"
                )
            ).scalars()
        ) - {key for kind, key in shown if kind == "app"}
    engine.dispose()
    assert cells.height == len(shown)
    assert not hidden_apps & set(cells["key"].to_list())


def test_a_grant_exports_only_its_days_and_each_use_is_audited(
    demo_env: dict[str, str], lake_url: str
) -> None:
    url = demo_env["TRAQ_DATABASE_URL"]
    (analyst,) = employee_accounts(url, 1)
    grant = give(demo_env, analyst, FEB_FIRST, FEB_LAST)
    report = _export(demo_env, lake_url, "--as", analyst)
    assert report["rows_written"] > 0
    first = int(datetime(2026, 2, 3, tzinfo=UTC).timestamp())
    after = int(datetime(2026, 2, 17, tzinfo=UTC).timestamp())
    minutes = polars_frame(lake_url, "activity_minutes")
    assert first <= minutes["minute"].min() and minutes["minute"].max() < after
    daily = polars_frame(lake_url, "activity_daily")
    assert FEB_FIRST <= daily["day"].min() and daily["day"].max() <= FEB_LAST
    assert _manifest(lake_url)["person_rows"] == {
        "grant": grant, "from": "2026-02-03", "to": "2026-02-16",
    }  # fmt: skip
    (given,) = _entries(url, "grant.given")
    assert given.details["grant"] == grant and given.details["purpose"] == "capacity study"
    (used,) = _entries(url, "grant.used")
    assert used.details["grant"] == grant and used.details["use"] == "lake export"
    assert used.details["via"]["os_user"] == running_os_account().name
    assert given.details["via"]["os_user"] == running_os_account().name
    engine = open_engine(url)
    assert verify(engine).ok
    engine.dispose()


def test_revoking_ends_exports_and_the_next_export_removes_the_rows(
    demo_env: dict[str, str], lake_url: str
) -> None:
    (analyst,) = employee_accounts(demo_env["TRAQ_DATABASE_URL"], 1)
    grant = give(demo_env, analyst, FEB_FIRST, FEB_LAST)
    _export(demo_env, lake_url, "--as", analyst)
    assert any(key.startswith("activity_minutes/") for key in _keys(lake_url))
    revoked = traq("grants", "revoke", str(grant), "--as", DPO, "--json", env=demo_env)
    assert json.loads(revoked.stdout)["state"] == "revoked", revoked.stderr
    refused = traq("export", "parquet", "--to", lake_url, "--as", analyst, env=demo_env)
    assert_one_line_error(refused, "traq export: error:", "live grant")
    cleared = _export(demo_env, lake_url)  # the nightly export, without a grant
    assert sorted(cleared["deleted"]) == sorted((*PERSON_FOLDERS, "app_daily"))
    assert {key.split("/")[0] for key in _keys(lake_url)} == {
        "_manifest.json",
        "publication_units",
        "publication_cells",
    }


def test_another_accounts_grant_does_not_open_the_lake(
    demo_env: dict[str, str], lake_url: str
) -> None:
    holder, other = employee_accounts(demo_env["TRAQ_DATABASE_URL"], 2)
    give(demo_env, holder, FEB_FIRST, FEB_LAST)
    refused = traq("export", "parquet", "--to", lake_url, "--as", other, env=demo_env)
    assert_one_line_error(refused, "traq export: error:", "live grant")
    assert _keys(lake_url) == []


def test_a_grant_cannot_be_used_from_another_os_account(
    demo_env: dict[str, str], lake_url: str
) -> None:
    url = demo_env["TRAQ_DATABASE_URL"]
    (analyst,) = employee_accounts(url, 1)
    give(demo_env, analyst, FEB_FIRST, FEB_LAST)
    _relink(url, analyst, "somebody-else")
    refused = traq("export", "parquet", "--to", lake_url, "--as", analyst, env=demo_env)
    assert_one_line_error(refused, "traq export: error:", "another OS account")
    assert _keys(lake_url) == []
    assert _entries(url, "grant.used") == []


def _relink(database_url: str, username: str, os_user: str) -> None:
    engine = open_engine(database_url)
    with engine.begin() as c:
        user_id = c.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
        link_os_user(c, user_id, os_user)
    engine.dispose()


def test_an_expired_grant_is_refused(demo_env: dict[str, str], lake_url: str) -> None:
    url = demo_env["TRAQ_DATABASE_URL"]
    (analyst,) = employee_accounts(url, 1)
    given_at = datetime(2026, 3, 1, 9, tzinfo=UTC)  # given then, usable until 31 March
    engine = open_engine(url)
    with engine.begin() as c:
        dpo = load_actor(c, DPO)
        give_grant(
            c, dpo, analyst, "March study", (FEB_FIRST, FEB_LAST), given_at, date(2026, 3, 31)
        )
    engine.dispose()
    listed = traq("grants", "list", "--as", DPO, "--json", env=demo_env)
    assert [g["state"] for g in json.loads(listed.stdout)] == ["expired"], listed.stderr
    refused = traq("export", "parquet", "--to", lake_url, "--as", analyst, env=demo_env)
    assert_one_line_error(refused, "traq export: error:", "live grant")
    assert _keys(lake_url) == []


def test_notebook_rows_only_inside_the_grant_and_each_read_audited(
    demo_env: dict[str, str],
) -> None:
    url = demo_env["TRAQ_DATABASE_URL"]
    holder, other = employee_accounts(url, 2)
    give(demo_env, holder, FEB_FIRST, FEB_LAST)
    engine = open_engine(url)
    now = datetime.now(UTC)
    frame = person_rows(engine, holder, "activity_daily", FEB_FIRST, date(2026, 2, 9), now)
    assert frame.height > 0
    assert FEB_FIRST <= frame["day"].min() and frame["day"].max() <= date(2026, 2, 9)
    (used,) = _entries(url, "grant.used")
    assert used.details["rows"] == frame.height and used.details["dataset"] == "activity_daily"
    outside = [
        (FEB_FIRST - timedelta(days=1), FEB_LAST),  # a day before
        (FEB_FIRST, FEB_LAST + timedelta(days=1)),  # a day after
        (date(2026, 1, 1), date(2026, 3, 31)),  # around it
    ]
    for first, last in outside:
        with pytest.raises(GrantRequired, match="outside"):
            person_rows(engine, holder, "activity_minutes", first, last, now)
    with pytest.raises(GrantRequired, match="live grant"):
        person_rows(engine, other, "activity_daily", FEB_FIRST, FEB_LAST, now)
    later = datetime.now(UTC) + timedelta(days=31)  # past --until
    with pytest.raises(GrantRequired, match="live grant"):
        person_rows(engine, holder, "activity_daily", FEB_FIRST, FEB_LAST, later)
    with pytest.raises(GrantRequired, match="live grant"):
        person_rows(engine, DPO, "people", FEB_FIRST, FEB_LAST, now)
    _relink(url, holder, "somebody-else")
    with pytest.raises(NotAccountOwner):
        person_rows(engine, holder, "activity_daily", FEB_FIRST, FEB_LAST, now)
    assert len(_entries(url, "grant.used")) == 1  # refusals read and record nothing
    engine.dispose()
