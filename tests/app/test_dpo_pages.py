"""The DPO's retention audit and purge pages, and the quarantined-batches page (DPO, admin).

The audit that only reads runs on the shared demo; everything that plants, purges or
quarantines runs on an installation of its own, so the shared demo stays as others expect.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select, text
from streamlit.testing.v1 import AppTest

from data_contracts import CONTRACTS
from data_contracts.quarantine import check_or_quarantine
from storage import open_storage
from storage.db.schema import audit_log, people, quarantined_batches
from storage.objects import ObjectStore
from tests.app.accounts import account
from tests.app.conftest import Demo, install_demo, page_as
from tests.contracts.batches import good_batch
from tests.retention.plant import AS_OF, plant_expired, table_counts

RETENTION, PURGE, QUARANTINE = (
    "app/pages/dpo_retention.py",
    "app/pages/dpo_purge.py",
    "app/pages/quarantine.py",
)
AUDIT_TIMEOUT = 600  # Great Expectations loads (~3-15 s on a busy machine), then validates
SECRET = "sekret-value"
CORRUPT = (
    f"UPDATE activity_minutes SET key_presses = '{SECRET}' "
    "WHERE minute = (SELECT max(minute) FROM activity_minutes)"
)
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


@pytest.fixture(scope="module")
def own_install(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A tiny demo (6 people, 2 days) of this module's own, which these tests may change."""
    return install_demo(tmp_path_factory.mktemp("dpo-pages"), 6, 2, 5)


@pytest.fixture
def own(own_install: Demo, demo: Demo, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    """Point the in-process app at this module's installation (after the shared demo's)."""
    for name, value in own_install.env.items():
        monkeypatch.setenv(name, value)
    yield own_install


def _handles() -> tuple[Engine, ObjectStore]:
    storage = open_storage()
    return storage.engine, storage.objects


def _run_audit(app: AppTest, as_of: date) -> AppTest:
    app.date_input(key="audit-as-of").set_value(as_of)
    app.button(key="run-audit").click()
    app.run(timeout=AUDIT_TIMEOUT)
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def _checks(app: AppTest) -> dict[str, str]:
    frame = app.dataframe[1].value  # [0] is the retention policy
    return dict(zip(frame["check"], frame["result"], strict=True))


def _actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(audit_log.c.action)).scalars())


def test_the_audit_page_runs_shows_checks_and_offers_reports(demo: Demo) -> None:
    app = page_as(RETENTION, account("ilse.marchetti", demo.password))
    assert not app.exception and not app.error
    policy = app.dataframe[0].value
    assert dict(zip(policy["category"], policy["kept (days)"], strict=True))["screenshots"] == 30
    assert "Run the audit" in app.info[0].value  # nothing runs before the button

    _run_audit(app, date.fromisoformat(AS_OF))
    assert app.success[0].value.startswith(f"Audit as of {AS_OF} passed")
    checks = _checks(app)
    assert set(checks.values()) == {"pass"}
    assert {"retention of screenshots", "data contracts hold"} <= set(checks)
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == [
        "Download report (HTML)",
        "Download report (PDF)",
        "Download Data Docs (zip)",
    ]
    run = app.session_state["dpo_audit"]
    assert run.pdf.startswith(b"%PDF") and "Sign-off" in run.html

    site = demo.data_dir / "data-docs"
    built = list(site.rglob("*.html"))
    assert (site / "index.html") in built and len(built) > len(CONTRACTS)
    assert not [p for p in built if EXTERNAL.search(p.read_text(encoding="utf-8"))]
    assert "activity_minutes" in app.selectbox(key="docs-page").options


def test_expired_data_fails_its_check_and_the_confirmed_purge_removes_it(own: Demo) -> None:
    engine, objects = _handles()
    dpo = account("ilse.marchetti", own.password)  # first: a sign-in is an audit entry
    before = table_counts(engine)
    plant_expired(engine, objects)
    with engine.begin() as connection:  # SQLite keeps text in an integer column: a bad row
        connection.execute(text(CORRUPT))
    planted = table_counts(engine)

    app = _run_audit(page_as(RETENTION, dpo), date.fromisoformat(AS_OF))
    assert "FAILED in: " in app.warning[0].value and "screenshots" in app.warning[0].value
    checks = _checks(app)
    assert checks["retention of screenshots"] == "FAIL"
    assert checks["retention of rollups"] == "FAIL"
    assert checks["data contracts hold"] == "FAIL"
    validations = app.dataframe[2].value.set_index("dataset")
    assert validations.loc["activity_minutes", "result"] == "FAIL"
    assert "key_presses" in validations.loc["activity_minutes", "failed (observed)"]
    assert "unexpected_count" in validations.loc["activity_minutes", "failed (observed)"]
    site = own.data_dir / "data-docs"
    pages = [p.read_text(encoding="utf-8") for p in site.rglob("*.html")]
    assert any("FAILED" in page for page in pages)  # the index marks activity_minutes
    assert not [page for page in pages if SECRET in page]  # counts, never row values

    app = page_as(PURGE, dpo)
    assert not app.exception and not app.error
    app.date_input(key="purge-as-of").set_value(date.fromisoformat(AS_OF)).run()
    preview = app.dataframe[0].value
    would = {(c, w): n for c, w, n in preview.itertuples(index=False)}
    assert would[("screenshots", "screenshots")] == 1
    assert would[("rollups", "activity_daily")] == 1
    assert app.button(key="purge-run").proto.disabled  # no run without the confirmation
    assert table_counts(engine) == planted  # the preview deleted nothing

    app.checkbox(key="purge-confirm").check().run()
    app.button(key="purge-run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert app.success[0].value == "Purge finished."
    removed = app.dataframe[1].value
    assert {(c, w): n for c, w, n in removed.itertuples(index=False)} == would
    after = table_counts(engine)
    assert after["screenshots"] == before["screenshots"]
    assert after["activity_daily"] == before["activity_daily"]
    assert after["activity_minutes"] == before["activity_minutes"] + 1  # the held person's
    history = app.dataframe[-1].value
    assert str(history["as of"][0]) == AS_OF and history["removed"][0] == sum(would.values())
    assert "retention.purged" in _actions(engine)


def test_a_future_purge_is_previewed_but_never_run(own: Demo) -> None:
    app = page_as(PURGE, account("ilse.marchetti", own.password))
    app.date_input(key="purge-as-of").set_value(date(2030, 1, 1)).run()
    assert app.dataframe[0].value["count"].sum() > 0  # the whole demo will expire by then
    assert app.checkbox(key="purge-confirm").proto.disabled
    assert app.button(key="purge-run").proto.disabled
    assert "may not act as of a future date" in app.caption[-1].value


def _quarantine_bad_batch(engine: Engine) -> tuple[int, list[dict[str, object]]]:
    """What the embedded sink does with a batch that breaks its contract."""
    rows = good_batch(CONTRACTS["activity_minutes"])
    rows[1]["active_seconds"] = 61  # a minute has 60 seconds: out of range
    with engine.begin() as connection:
        person = connection.execute(select(people.c.id).order_by(people.c.id)).scalars().first()
        for row in rows:
            row["person_id"] = person
        result = check_or_quarantine(
            connection, "activity_minutes", rows, "collector", datetime.now(UTC)
        )
    assert not result.success
    return int(person), rows


def _page_text(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [str(d.value.to_dict()) for d in app.dataframe]
    return " ".join(parts)


def test_a_quarantined_batch_is_shown_to_dpo_and_admin_and_can_be_discarded(own: Demo) -> None:
    engine, _ = _handles()
    person, rows = _quarantine_bad_batch(engine)
    with engine.connect() as connection:
        pseudonym = connection.execute(
            select(people.c.pseudonym).where(people.c.id == person)
        ).scalar_one()
    for username in ("sigrid.lindqvist", "ilse.marchetti"):
        app = page_as(QUARANTINE, account(username, own.password))
        assert not app.exception and not app.error
        listed = app.dataframe[0].value
        mine = listed[listed["person"] == pseudonym].iloc[0]
        assert mine["dataset"] == "activity_minutes" and mine["rows"] == len(rows)
        assert "range" in mine["failed checks"]
        failures = app.dataframe[1].value
        assert "range" in set(failures["check"]) and "minute" in app.markdown[0].value
        minute = str(rows[0]["minute"])
        assert minute not in _page_text(app)  # column names and checks, never values

    app.checkbox[0].check().run()
    app.button[0].click().run()
    assert app.success[0].value.endswith("discarded (audit-logged).")
    assert not app.exception and not app.error
    with engine.connect() as connection:
        left = connection.execute(select(quarantined_batches.c.person_id)).scalars().all()
    assert person not in left
    assert "quarantine.discarded" in _actions(engine)


def test_the_quarantine_page_says_when_there_is_nothing(own: Demo) -> None:
    engine, _ = _handles()
    with engine.begin() as connection:
        connection.execute(quarantined_batches.delete())
    app = page_as(QUARANTINE, account("sigrid.lindqvist", own.password))
    assert app.info[0].value == "No batch is in quarantine." and not app.dataframe


def test_the_pages_helpers_load_without_great_expectations() -> None:
    import subprocess
    import sys

    from tests.traq.cli import ROOT

    code = (
        "import sys, app.retention_views, services.retention_desk, services.quarantine; "
        "print('great_expectations' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def _hold_of(engine: Engine, person: int) -> str | None:
    with engine.connect() as connection:
        return connection.execute(
            select(people.c.legal_hold_reason).where(people.c.id == person)
        ).scalar_one()


def test_the_dpo_places_and_releases_a_legal_hold(own: Demo) -> None:
    engine, _ = _handles()
    app = page_as("app/pages/dpo_holds.py", account("ilse.marchetti", own.password))
    assert not app.exception and not app.error
    person = int(app.selectbox[-1].value)
    app.text_input[0].input("Case 2026-17")
    app.button[-1].click().run()
    assert not app.exception and not app.error
    assert _hold_of(engine, person) == "Case 2026-17"
    held = app.dataframe[0].value
    assert list(held[held["person"] == person]["reason"]) == ["Case 2026-17"]

    app.text_input[0].input("   ")  # a hold without a reason is refused
    app.button[-1].click().run()
    assert "reason" in app.error[0].value and _hold_of(engine, person) == "Case 2026-17"

    app.selectbox[0].select(person)
    app.button(key="release-hold").click().run()
    assert not app.exception and _hold_of(engine, person) is None
    still = app.dataframe[0].value["person"].tolist() if app.dataframe else []
    assert person not in still  # others planted by earlier tests may stay held
    assert _actions(engine)[-2:] == ["person.legal_hold_placed", "person.legal_hold_released"]
