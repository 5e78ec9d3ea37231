"""One demo installation for every workbench test, and AppTest helpers."""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from services.accounts import authenticate, list_accounts, team_names
from services.admin import create_account
from services.passwords import change_password
from services.sign_in_guard import GUARD
from storage import Storage, open_storage
from tests.traq.cli import ROOT, traq

ENTRY = str(ROOT / "streamlit_app.py")


@dataclass(frozen=True)
class Demo:
    """A demo installation: its environment, the shared demo password, its managers."""

    env: dict[str, str]
    password: str
    data_dir: Path
    managers: dict[str, str]  # team name -> the account of its manager

    def manager_of(self, team: str) -> str:
        """The account name of the demo manager of ``team``."""
        return self.managers[team]


def install_demo(data_dir: Path, employees: int, days: int, seed: int) -> Demo:
    """`traq init` and `traq demo` (ending 2026-03-31) in ``data_dir``."""
    env = {
        "TRAQ_DATA_DIR": str(data_dir),
        "TRAQ_SPOOL_DIR": str(data_dir / "spool"),
        # Outside the data folder, and the same for every test of the module (each test has
        # its own XDG_CONFIG_HOME, where the key would be looked for by default).
        "TRAQ_MASTER_KEY_FILE": str(data_dir.parent / "master.key"),
    }
    assert traq("init", env=env).returncode == 0
    result = traq(
        "demo", "--employees", str(employees), "--days", str(days), "--seed", str(seed),
        "--end", "2026-03-31", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = re.search(r"password \(shown once\): (\S+)", result.stdout)
    assert found, result.stdout
    storage = storage_of(env)
    managers = managers_by_team(storage)
    storage.close()
    return Demo(env, found.group(1), data_dir, managers)


def managers_by_team(storage: Storage) -> dict[str, str]:
    """Team name -> its manager's account, for managers of one team (the demo's)."""
    accounts = list_accounts(storage.engine)
    return {a["teams"]: a["username"] for a in accounts if a["role"] == "manager"}


def storage_of(env: dict[str, str]) -> Storage:
    """Open the storage of the installation that ``env`` points at."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        return open_storage()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """`traq init` and a small `traq demo` (14 people, 7 days) in a temporary folder."""
    return install_demo(tmp_path_factory.mktemp("workbench"), 14, 7, 3)


@pytest.fixture(autouse=True)
def _demo_environment(
    _isolated_environment: None, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Point the in-process app at the demo installation, with no sign-in failures counted."""
    for name, value in demo.env.items():
        monkeypatch.setenv(name, value)
    GUARD.forget_all()
    yield


def signed_in(username: str, password: str) -> AppTest:
    """An app session signed in as ``username`` (on its role's first page)."""
    app = AppTest.from_file(ENTRY, default_timeout=30)
    app.run()
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    app.button[0].click()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def page_as(path: str, account: object) -> AppTest:
    """Run one page file directly with ``account`` in the session (a direct URL)."""
    app = AppTest.from_file(str(ROOT / path), default_timeout=30)
    app.session_state["account"] = account
    app.session_state["last_seen"] = time.time()
    return app.run()


def copy_installation(source: Path, target: Path) -> None:
    """Copy an installation folder; its SQLite database through SQLite's backup API.

    A file copy of a live database can catch a write half done, and closing the copy's
    handle on the file drops this process's locks on it (POSIX): either can corrupt it.
    """
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("traq.db*"))
    with closing(sqlite3.connect(source / "traq.db")) as live:
        with closing(sqlite3.connect(target / "traq.db")) as copy:
            live.backup(copy)


@pytest.fixture
def installation(
    demo: Demo, _demo_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Storage]:
    """A private copy of the demo installation, for a test that changes its data."""
    data_dir = tmp_path / "traq-data"
    copy_installation(demo.data_dir, data_dir)
    # Its own key too: an erasure replaces the master key, which must not end the demo's.
    key = tmp_path / "master.key"
    shutil.copy2(demo.env["TRAQ_MASTER_KEY_FILE"], key)
    monkeypatch.setenv("TRAQ_MASTER_KEY_FILE", str(key))
    monkeypatch.setenv("TRAQ_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TRAQ_SPOOL_DIR", str(data_dir / "spool"))
    storage = open_storage()
    yield storage
    storage.close()


@pytest.fixture(scope="session")
def manager_of_every_team(demo: Demo) -> tuple[str, str]:
    """A manager of all three teams, one of them (Legal) below k, made as an admin would."""
    storage = storage_of(demo.env)
    admin = authenticate(storage.engine, "sigrid.lindqvist", demo.password)
    assert admin is not None
    user_id, one_time = create_account(
        storage.engine, admin.user_id, "katherine.johnson", "manager", datetime.now(UTC),
        team_ids=team_names(storage.engine),
    )  # fmt: skip
    password = choose_password(storage, user_id, one_time)
    storage.close()
    return "katherine.johnson", password


def choose_password(storage: Storage, user_id: int, one_time: str) -> str:
    """Replace a generated password as its user does at first sign-in; return the new one."""
    chosen = f"chosen {one_time} phrase"
    change_password(storage.engine, user_id, one_time, chosen, chosen, datetime.now(UTC))
    return chosen


# Downloads: their bytes are read back from Streamlit's own in-memory media storage, which
# AppTest creates for each run: a subclass that only remembers the instance gives a test a
# handle on it without changing what it stores or serves.
class RecordingStorage(MemoryMediaFileStorage):
    """Streamlit's memory media storage, remembering the newest instance."""

    latest: RecordingStorage | None = None

    def __init__(self, media_endpoint: str) -> None:
        super().__init__(media_endpoint)
        RecordingStorage.latest = self


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> type[RecordingStorage]:
    """Make AppTest runs use the recording storage."""
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", RecordingStorage)
    return RecordingStorage


def downloaded(app: AppTest, key: str) -> bytes:
    """The bytes behind the download button with ``key`` of the last run."""
    button = next(b for b in app.get("download_button") if b.proto.id.endswith(f"-{key}"))
    assert RecordingStorage.latest is not None
    filename = button.proto.url.rsplit("/", 1)[-1]
    return bytes(RecordingStorage.latest.get_file(filename).content)
