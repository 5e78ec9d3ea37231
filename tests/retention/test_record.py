"""The Article 30 record is honest about encryption and names the controller and DPO (issue 16).

Over the demo installation: the demo names its (fictitious) controller and DPO in the
policies, as an admin does on the Policies page.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.contracts.demo import Installation, demo, traq_cmd

__all__ = ["demo"]

PLAIN = ("people", "activity_minutes", "activity_daily", "app_daily", "audit_log")


def test_the_record_says_what_is_encrypted_and_who_is_responsible(
    demo: Installation, tmp_path: Path
) -> None:
    html_file = tmp_path / "audit.html"
    result = traq_cmd("retention", "audit", "--json", "--html", str(html_file), env=demo.env)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    records = {a["dataset"]: a for a in report["activities"]}
    assert records["app_spans"]["encryption_at_rest"].startswith(
        "encrypted at rest to the subject's key: title_ct; plain in the database: "
    )
    assert "app" in records["app_spans"]["encryption_at_rest"].split("plain")[1]
    assert records["screenshots"]["encryption_at_rest"].startswith(
        "encrypted at rest to the subject's key: the stored images"
    )
    for dataset in PLAIN:
        assert records[dataset]["encryption_at_rest"].startswith("not encrypted at rest")
        assert not any("encrypt" in m for m in records[dataset]["security_measures"])
    assert report["responsibles"]["controller"]["name"] == "Acme Example Ltd (fictitious)"
    assert report["responsibles"]["data_protection_officer"]["name"] == "Ilse Marchetti"
    html = html_file.read_text()
    assert "Controller: Acme Example Ltd (fictitious) (privacy@acme.example)" in html
    assert "Data protection officer: Ilse Marchetti (ilse.marchetti@acme.example)" in html
    assert html.count("not encrypted at rest") == len(report["activities"]) - 2
