"""One handle on every byte at rest: database, object store and key vault."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from storage.config import Settings, load_settings
from storage.db.engine import check_connection, open_engine
from storage.db.migrate import ensure_current
from storage.objects import ObjectStore, open_object_store
from storage.vault import KeyVault, open_master_key


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
            master = open_master_key(self.engine, self.settings.master_key_file)
            self._vault = KeyVault(self.engine, master)
        return self._vault

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def open_storage(settings: Settings | None = None) -> Storage:
    """Open an initialised installation; raise a StorageError saying what to do if it is not."""
    settings = settings or load_settings()
    engine = open_engine(settings.database_url)
    check_connection(engine)
    ensure_current(engine)
    return Storage(settings, engine, open_object_store(settings.object_store_url))
