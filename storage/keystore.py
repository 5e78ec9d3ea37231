"""Where the master key lives and how it is replaced: a file outside the data folder, or KMS.

By default the key is ``<key folder>/<installation id>/master.key`` with the key folder
``$XDG_CONFIG_HOME/traqnext`` (``~/.config/traqnext``): a copy of the data folder never
carries it, and one user running several installations gets one key each (the id is
stored in the database). ``TRAQ_MASTER_KEY_FILE`` names another file; an installation made
before keys moved out keeps its ``<data dir>/master.key`` (``traq doctor`` warns).

The master key is replaced at every erasure (and by ``traq keys rotate``) in two phases:
the successor is written beside the key as ``master.key.new`` and the database switches to
it in the caller's transaction; ``settle`` then destroys the predecessor once the database
has committed. A crash in between is finished by the next ``load``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, select

from storage.config import Settings, default_key_folder
from storage.crypto.keys import MasterKey, MasterWrapper, create_master_key_file, load_master_key
from storage.db.schema import installation
from storage.errors import MasterKeyError


class KeyStore(Protocol):
    """A home for the master key that can replace it (file or KMS)."""

    @property
    def description(self) -> str:
        """Where the key is, for messages (a path or a KMS key name; never key bytes)."""
        ...

    def create_first(self) -> MasterWrapper:
        """Make the installation's first master key (`traq init`)."""
        ...

    def load(self, engine: Engine) -> MasterWrapper:
        """The master key the database uses; finishes a replacement a crash interrupted."""
        ...

    def prepare_next(self, current: MasterWrapper) -> MasterWrapper:
        """A successor to ``current``, pending until ``settle`` sees the database use it."""
        ...

    def settle(self, current_id: str | None) -> None:
        """After the transaction: destroy the predecessor if the database moved on."""
        ...


def installed_master_key_id(engine: Engine) -> str | None:
    """The master key id this installation uses (None before `traq init`)."""
    with engine.connect() as connection:
        return connection.execute(select(installation.c.master_key_id)).scalar_one_or_none()


def installation_id(engine: Engine) -> str | None:
    """The id naming this installation's key folder (None before `traq init`)."""
    with engine.connect() as connection:
        return connection.execute(select(installation.c.installation_id)).scalar_one_or_none()


def new_installation_id() -> str:
    """A random id for a new installation."""
    return secrets.token_hex(8)


def key_file_for(settings: Settings, install_id: str | None) -> Path:
    """The master key file of the installation ``install_id`` under ``settings``."""
    if settings.master_key_file is not None:
        return settings.master_key_file
    legacy = legacy_key_file(settings)
    if legacy.exists():
        return legacy
    return default_key_file(settings, install_id)


def default_key_file(settings: Settings, install_id: str | None) -> Path:
    """``<key folder>/<installation id>/master.key``: where the key belongs by default."""
    if install_id is None:
        raise MasterKeyError("this installation has no id yet; run `traq init`")
    folder = settings.key_folder or default_key_folder(os.environ)
    return folder / install_id / "master.key"


def legacy_key_file(settings: Settings) -> Path:
    """Where installations made before keys moved out kept the key (inside the data folder)."""
    return settings.data_dir / "master.key"


def open_key_store(settings: Settings, engine: Engine) -> KeyStore:
    """The key store ``settings`` name for the installation in ``engine``'s database."""
    if settings.master_key is not None:
        from storage.crypto.kms import KmsKeyStore  # boto3 only where KMS is used

        return KmsKeyStore(settings.master_key)
    return FileKeyStore(key_file_for(settings, installation_id(engine)))


class FileKeyStore:
    """The master key in a file (0600, in a 0700 folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pending = path.with_name(path.name + ".new")

    @property
    def description(self) -> str:
        """The key file's path."""
        return str(self.path)

    def create_first(self) -> MasterKey:
        """Write a new key file (refuses to overwrite one)."""
        _private_folders(self.path.parent)
        return create_master_key_file(self.path)

    def load(self, engine: Engine) -> MasterKey:
        """See ``open_master_key``."""
        return open_master_key(engine, self.path)

    def prepare_next(self, current: MasterWrapper) -> MasterKey:
        """Write the successor to ``master.key.new`` (a stale one is replaced)."""
        del current  # the file itself is the predecessor
        self.pending.unlink(missing_ok=True)
        return create_master_key_file(self.pending)

    def settle(self, current_id: str | None) -> None:
        """Swap in the successor once the database uses it; the old key is overwritten."""
        if current_id is not None and self.pending.exists():
            if load_master_key(self.pending).key_id == current_id:
                _destroy_and_replace(self.path, self.pending)


def open_master_key(engine: Engine, path: Path) -> MasterKey:
    """Load the master key at ``path`` and check it is the one this database uses.

    Finishes an interrupted replacement: if the database already moved to the key waiting
    in ``<path>.new``, that file replaces the old one (whose bytes are overwritten first).
    """
    expected = installed_master_key_id(engine)
    pending = path.with_name(path.name + ".new")
    try:
        master = load_master_key(path)
    except MasterKeyError:
        if not pending.exists():
            raise
        master = None  # a crash while the old key was being overwritten
    if master is not None and (expected is None or master.key_id == expected):
        return master
    if pending.exists() and load_master_key(pending).key_id == expected:
        _destroy_and_replace(path, pending)
        return load_master_key(path)
    found = f"(id {master.key_id}) " if master is not None else ""
    raise MasterKeyError(
        f"master key {path} {found}is not the one this database uses "
        f"(id {expected}); set TRAQ_MASTER_KEY_FILE to the right key"
    )


def _destroy_and_replace(path: Path, successor: Path) -> None:
    # Overwrite the old key in place before the rename drops it: the rename alone would
    # leave its bytes in a free block that a disk image still holds.
    with contextlib.suppress(FileNotFoundError), path.open("r+b") as old:
        size = old.seek(0, os.SEEK_END)
        old.seek(0)
        old.write(b"\0" * size)
        old.flush()
        os.fsync(old.fileno())
    successor.replace(path)


def _private_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents as 0700 (the key folder and its id)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for part in reversed(missing):
        part.mkdir(mode=0o700)
        part.chmod(0o700)  # mkdir's mode is masked by the umask
