"""`traq init` and the command line's handling of bad input."""

from __future__ import annotations

import stat
from argparse import ArgumentParser, _SubParsersAction
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.config import load_settings
from storage.db import schema
from storage.db.engine import open_engine
from storage.db.migrate import current_revision, head_revision
from tests.traq.cli import assert_one_line_error, installed_key_file, traq
from traq.main import build_parser


def test_init_sets_up_everything_and_is_idempotent(database_url: str, tmp_path: Path) -> None:
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_DATABASE_URL": database_url}
    first = traq("init", "--admin", "ada", env=env)
    assert first.returncode == 0, first.stderr
    assert "admin account 'ada' password (shown once)" in first.stdout
    engine = open_engine(database_url)
    key = installed_key_file(env, engine)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert not key.is_relative_to(tmp_path / "data")  # a copy of the folder has no key
    assert str(key) in first.stdout
    assert current_revision(engine) == head_revision()
    assert _usernames(database_url) == ["ada"]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(schema.policies)).scalar()
    second = traq("init", env=env)
    assert second.returncode == 0, second.stderr
    assert "password" not in second.stdout  # the password is shown once only
    assert "is initialised" in second.stdout


def _usernames(database_url: str) -> list[str]:
    engine = open_engine(database_url)
    with engine.connect() as connection:
        names = connection.execute(select(schema.users.c.username)).scalars().all()
    engine.dispose()
    return list(names)


def test_the_first_admin_is_a_named_person_never_a_shared_account(
    database_url: str, tmp_path: Path
) -> None:
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data"), "TRAQ_DATABASE_URL": database_url}
    for shared in ("admin", "Administrator", "root", "admin-2", "dpo"):
        refused = traq("init", "--admin", shared, env=env)
        assert_one_line_error(refused, "traq init: error: --admin:", "names a role, not a person")
        assert not (tmp_path / "data").exists()  # refused before anything was made
    unnamed = traq("init", env=env)
    assert unnamed.returncode == 0, unnamed.stderr
    assert "no admin account yet: `traq init --admin YOUR-NAME`" in unnamed.stdout
    assert _usernames(database_url) == []  # no account nobody owns
    named = traq("init", "--admin", "grace.hopper", env=env)
    assert "admin account 'grace.hopper' password (shown once)" in named.stdout
    again = traq("init", "--admin", "alan.turing", env=env)
    assert_one_line_error(again, "traq init: error: --admin:", "'alan.turing' was not created")
    same = traq("init", "--admin", "Grace.Hopper", env=env)  # idempotent, as `make run` is
    assert same.returncode == 0, same.stderr
    assert "password" not in same.stdout
    assert _usernames(database_url) == ["grace.hopper"]


def test_init_with_s3_object_store(database_url: str, tmp_path: Path, s3_store_url: str) -> None:
    # s3_store_url's fixture put the endpoint and credentials in the environment.
    env = {
        "TRAQ_DATA_DIR": str(tmp_path),
        "TRAQ_DATABASE_URL": database_url,
        "TRAQ_OBJECT_STORE": s3_store_url,
    }
    result = traq("init", env=env)
    assert result.returncode == 0, result.stderr
    assert s3_store_url in result.stdout


def test_unwritable_data_folder_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = traq("init", env={"TRAQ_DATA_DIR": str(blocker / "data")})
    assert_one_line_error(result, "traq init: error:", "not writable")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_unreachable_database_leaves_no_partial_state(tmp_path: Path) -> None:
    env = {
        "TRAQ_DATA_DIR": str(tmp_path / "data"),
        "TRAQ_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/nowhere",
    }
    result = traq("init", env=env)
    assert_one_line_error(result, "cannot reach database")
    assert not (tmp_path / "data").exists()


def test_wrong_master_key_is_refused(tmp_path: Path) -> None:
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data")}
    assert traq("init", env=env).returncode == 0
    other_env = {"TRAQ_DATA_DIR": str(tmp_path / "other")}
    assert traq("init", env=other_env).returncode == 0
    other = {**env, "TRAQ_MASTER_KEY_FILE": str(installed_key_file(other_env))}
    result = traq("init", env=other | {"TRAQ_DATA_DIR": str(tmp_path / "data")})
    assert_one_line_error(result, "is not the one this database uses")


def test_missing_master_key_for_existing_database_is_refused(tmp_path: Path) -> None:
    env = {"TRAQ_DATA_DIR": str(tmp_path / "data")}
    assert traq("init", env=env).returncode == 0
    key = installed_key_file(env)
    key.unlink()
    result = traq("init", env=env)
    assert_one_line_error(result, "set TRAQ_MASTER_KEY_FILE")
    assert not key.exists()  # no new key silently created


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("demo", "--employees", "many"), "--employees"),
        (("init", "--bogus"), "unrecognized arguments"),
        (("nonsense",), "invalid choice"),
        (("app", "--port", "http"), "--port"),
    ],
)
def test_bad_options_are_one_line(args: tuple[str, ...], fragment: str, tmp_path: Path) -> None:
    result = traq(*args, env={"TRAQ_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert_one_line_error(result, fragment)


def test_bad_object_store_url_is_one_line(tmp_path: Path) -> None:
    result = traq("init", env={"TRAQ_DATA_DIR": str(tmp_path), "TRAQ_OBJECT_STORE": "ftp://x"})
    assert_one_line_error(result, "TRAQ_OBJECT_STORE")


def test_commands_before_init_say_to_run_init(tmp_path: Path) -> None:
    tmp_path.joinpath("traq.db").touch()
    result = traq("demo", env={"TRAQ_DATA_DIR": str(tmp_path)})
    assert_one_line_error(result, "traq init")


def _assert_documented(parser: ArgumentParser, path: str) -> None:
    for action in parser._actions:
        assert action.help, f"{path} {'/'.join(action.option_strings)} has no help"
        if isinstance(action, _SubParsersAction):
            documented = {choice.dest for choice in action._choices_actions if choice.help}
            assert set(action.choices) == documented, f"{path} has an undocumented command"
            for name, sub in action.choices.items():
                _assert_documented(sub, f"{path} {name}")


def test_every_command_and_option_has_help() -> None:
    _assert_documented(build_parser(), "traq")


def test_commands_on_a_missing_data_folder_say_to_run_init(tmp_path: Path) -> None:
    result = traq("demo", env={"TRAQ_DATA_DIR": str(tmp_path / "nowhere")})
    assert_one_line_error(result, "run `traq init`")
    assert not (tmp_path / "nowhere").exists()


def test_an_installation_from_before_key_epochs_upgrades_in_place(
    database_url: str, tmp_path: Path
) -> None:
    from alembic import command

    from storage.crypto.envelope import seal
    from storage.db.migrate import _config
    from storage.facade import open_storage
    from storage.keystore import installation_id
    from tests.analytics.builders import add_person, add_team
    from tests.storage.keys import insert_legacy_key, install_master_key

    # As `traq init` left it at schema 0009: the key in the data folder, person keys
    # wrapped by the master key itself.
    data = tmp_path / "data"
    key = data / "master.key"
    engine = open_engine(database_url)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
    master = install_master_key(engine, key)
    with engine.begin() as connection:
        person, _ = add_person(connection, add_team(connection, "T"))
        legacy = insert_legacy_key(connection, master, person)
    envelope = seal(legacy.public_key, legacy.key_id, "o", b"sealed in 0009")
    env = {"TRAQ_DATA_DIR": str(data), "TRAQ_DATABASE_URL": database_url}
    result = traq("init", env=env)
    assert result.returncode == 0, result.stderr
    assert str(key) in result.stdout and installation_id(engine)  # the key stayed put
    with engine.connect() as connection:
        row = connection.execute(select(schema.subject_keys)).one()
    assert row.epoch == 1 and row.wrapped_private != legacy.wrapped_private  # adopted
    storage = open_storage(load_settings(env))
    assert storage.vault.open(envelope) == b"sealed in 0009"
    storage.close()
    engine.dispose()
