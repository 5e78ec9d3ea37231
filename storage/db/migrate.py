"""Schema migrations (alembic), driven from code so that `traq init` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from storage.db.engine import redacted
from storage.errors import DatabaseError, SchemaOutdated

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration shipped with this version of TraqNext."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot read schema version of {redacted(engine.url)}") from exc


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending migration in one transaction per migration run."""
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
    if current_revision(engine) != head_revision():
        raise SchemaOutdated(
            f"database {redacted(engine.url)} is not initialised or not migrated; run `traq init`"
        )
