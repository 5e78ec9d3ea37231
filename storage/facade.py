"""One handle on every byte at rest: database, object store and key vault."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from storage.config import Settings, load_settings
from storage.db.engine import check_connection, normalise_url, open_engine
from storage.db.migrate import ensure_current
from storage.errors import SchemaOutdated
from storage.objects import ObjectStore, open_object_store
from storage.private import private_umask
from storage.vault import KeyVault, open_vault


@dataclass
class Storage:
    """The opened storage of one installation."""

    settings: Settings
    engine: Engine
    objects: ObjectStore
    _vault: KeyVault | None = field(default=None, repr=False)

    @property
    def vault(self) -> KeyVault:
        """The key vault; loads the master key on first use (collectors never need it)."""
        if self._vault is None:
            self._vault = open_vault(self.engine, self.settings)
        return self._vault

    def close(self) -> None:
        """Destroy a master key an erasure replaced (see ``KeyVault.settle``); release the
        database connections."""
        try:
            if self._vault is not None:
                self._vault.settle()
        finally:
            self.engine.dispose()


def _require_sqlite_file(url: str) -> None:
    # Connecting would create an empty SQLite file (or fail with a cryptic message when the
    # folder is missing): say what to do instead.
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            raise SchemaOutdated(f"no TraqNext database at {parsed.database}; run `traq init`")


def open_storage(settings: Settings | None = None) -> Storage:
    """Open an initialised installation; raise a StorageError saying what to do if it is not."""
    private_umask()  # a notebook's exports and objects are private too
    settings = settings or load_settings()
    _require_sqlite_file(settings.database_url)
    engine = open_engine(settings.database_url)
    check_connection(engine)
    ensure_current(engine)
    return Storage(settings, engine, open_object_store(settings.object_store_url))
