"""Schema migrations (alembic), driven from code so that `traq init` needs no alembic.ini.

Alembic is imported only to migrate: checking that a database is current (which every
command and the collector do at start) reads ``alembic_version`` directly against
``SCHEMA_HEAD``, which a test keeps equal to alembic's own head.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from storage.db.engine import redacted
from storage.errors import DatabaseError, SchemaOutdated

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
SCHEMA_HEAD = "0020"  # the newest migration; tests/storage/test_database.py checks it


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration shipped with this version of TraqNext, as alembic sees it."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot read schema version of {redacted(engine.url)}") from exc


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending migration in one transaction per migration run."""
    from alembic import command

    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseError(f"migration failed on {redacted(engine.url)}: {reason}") from exc


def ensure_current(engine: Engine) -> None:
    """Raise SchemaOutdated unless the database is at the shipped head revision."""
    if current_revision(engine) != SCHEMA_HEAD:
        raise SchemaOutdated(
            f"database {redacted(engine.url)} is not initialised or not migrated; run `traq init`"
        )
