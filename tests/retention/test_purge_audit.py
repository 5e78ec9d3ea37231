"""Expired data in every category fails the audit; the purge removes exactly it; audit passes.

Runs over a small demo installation on SQLite and PostgreSQL (folder object store).
"""

from __future__ import annotations

import json
from pathlib import Path

from storage.audit import verify
from storage.db.engine import open_engine
from storage.objects import open_object_store
from tests.contracts.demo import Installation, demo, traq_cmd
from tests.retention.plant import AS_OF, plant_expired, table_counts

__all__ = ["demo"]

CATEGORIES = {
    "screenshots",
    "window_titles",
    "activity_minutes",
    "rollups",
    "rights_requests",
    "audit_log",
    "erased_people",
}


def _audit(inst: Installation, *extra: str) -> tuple[int, dict[str, object]]:
    result = traq_cmd("retention", "audit", "--json", "--as-of", AS_OF, *extra, env=inst.env)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return result.returncode, json.loads(result.stdout)


def test_plant_audit_purge_audit(demo: Installation, tmp_path: Path) -> None:
    engine = open_engine(demo.database_url)
    objects = open_object_store((demo.data_dir / "objects").as_uri())
    code, report = _audit(demo)
    assert code == 0, [c for c in report["checks"] if not c["ok"]]  # type: ignore[union-attr]
    before = table_counts(engine)
    versions_before = len(list(objects.list_versions("subjects/")))
    plant_expired(engine, objects)
    planted_log = table_counts(engine)["audit_log"]

    code, report = _audit(demo, "--html", str(tmp_path / "audit.html"))
    failing = {c["category"] for c in report["checks"] if not c["ok"]}  # type: ignore[union-attr]
    assert code == 1 and failing == CATEGORIES, failing
    html = (tmp_path / "audit.html").read_text()
    assert "VIOLATION" in html and "Article 30" in html and "Sign-off" in html

    dry = traq_cmd("retention", "purge", "--dry-run", "--json", "--as-of", AS_OF, env=demo.env)
    purge = traq_cmd(
        "retention", "purge", "--json", "--as-of", AS_OF, "--batch-size", "2", env=demo.env
    )
    assert purge.returncode == 0, purge.stderr[-2000:]
    counts = json.loads(purge.stdout)["counts"]
    assert json.loads(dry.stdout)["counts"] == counts
    assert counts["screenshots"] == {"object versions": 1, "screenshots": 1}
    assert counts["window_titles"] == {"app_spans.title_ct cleared": 1}
    assert counts["activity_minutes"] == {"activity_minutes": 1, "app_spans": 0}
    assert counts["rollups"] == {"activity_10min": 1, "activity_daily": 1, "app_daily": 1}
    assert counts["rights_requests"] == {"rights_requests": 1}
    assert counts["audit_log"] == {"audit_log": 1}
    assert counts["erased_people"] == {"object versions": 1, "series rows": 0}

    # Nothing unexpired removed: the demo's rows, plus the kept (title-less) span and the
    # held person's expired minute.
    after = table_counts(engine)
    expected = {
        **before,
        "app_spans": before["app_spans"] + 1,
        "activity_minutes": before["activity_minutes"] + 1,
        "audit_log": planted_log,  # the old entry purged, the purge's own record appended
    }
    assert after == expected
    assert len(list(objects.list_versions("subjects/"))) == versions_before
    chain = verify(engine)  # the log lost its oldest entry and still verifies from its anchor
    assert chain.ok, chain.problems

    code, report = _audit(demo, "--html", str(tmp_path / "after.html"))
    assert code == 0, [c for c in report["checks"] if not c["ok"]]  # type: ignore[union-attr]
    assert report["deletions"]["purge_runs"][0]["counts"] == counts  # type: ignore[index]
    assert "PASSED" in (tmp_path / "after.html").read_text()
    engine.dispose()
