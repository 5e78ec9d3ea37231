"""Self-view helpers: a person's screenshots open and delete for that person only;
the shipped Streamlit config sends nothing out."""

from __future__ import annotations

import tomllib

import pytest
from sqlalchemy import select

from services.selfview import delete_my_screenshot, my_screenshots, open_my_screenshot
from storage import open_storage
from storage.db.schema import screenshots
from tests.app.accounts import employee_in_team
from tests.app.conftest import Demo
from tests.traq.cli import ROOT


def test_someone_elses_screenshot_is_refused(demo: Demo) -> None:
    _, owner = employee_in_team(1)
    _, other = employee_in_team(1, skip=1)
    storage = open_storage()
    try:
        shot = my_screenshots(storage.engine, owner, limit=1)[0]
        assert open_my_screenshot(storage, owner, shot.object_key)[:3] in (
            b"\xff\xd8\xff",
            b"\x89PN",
            b"RIF",
        )  # JPEG, PNG, WebP
        with pytest.raises(PermissionError):
            open_my_screenshot(storage, other, shot.object_key)
        with pytest.raises(PermissionError):
            delete_my_screenshot(storage, other, shot.object_key)
        with storage.engine.connect() as connection:
            query = select(screenshots.c.object_key).where(
                screenshots.c.object_key == shot.object_key
            )
            assert connection.execute(query).first() is not None
        assert storage.objects.exists(shot.object_key)
    finally:
        storage.close()


def test_the_shipped_config_turns_usage_statistics_off() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
