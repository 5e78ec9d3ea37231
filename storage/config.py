"""Where TraqNext keeps its bytes, read from the environment with embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from storage.errors import ConfigError

DEFAULT_DATA_DIR = "./traq-data"
KMS_PREFIX = "kms:"


@dataclass(frozen=True)
class Settings:
    """Resolved locations of the data folder, database, object store and master key.

    ``master_key_file`` is set only when ``TRAQ_MASTER_KEY_FILE`` names the key; otherwise
    the key lives in ``key_folder/<installation id>/master.key`` (``storage.keystore``),
    outside the data folder so that a copy of that folder does not carry it.
    ``master_key`` is ``TRAQ_MASTER_KEY``: ``kms:KEY`` keeps the master key in AWS KMS.
    """

    data_dir: Path
    database_url: str
    object_store_url: str
    master_key_file: Path | None = None
    master_key: str | None = None
    key_folder: Path | None = None


def default_key_folder(env: Mapping[str, str]) -> Path:
    """The per-user folder of master keys: ``$XDG_CONFIG_HOME/traqnext`` (or ~/.config)."""
    base = env.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return (root / "traqnext").resolve()


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read ``TRAQ_*`` variables from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("TRAQ_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
    database_url = env.get("TRAQ_DATABASE_URL") or f"sqlite:///{data_dir / 'traq.db'}"
    object_store_url = env.get("TRAQ_OBJECT_STORE") or (data_dir / "objects").as_uri()
    key_file = env.get("TRAQ_MASTER_KEY_FILE") or None
    master_key = env.get("TRAQ_MASTER_KEY") or None
    if master_key is not None and not (
        master_key.startswith(KMS_PREFIX) and len(master_key) > len(KMS_PREFIX)
    ):
        raise ConfigError("TRAQ_MASTER_KEY must be kms:KEY-ARN-OR-ALIAS")
    if master_key is not None and key_file is not None:
        raise ConfigError("set TRAQ_MASTER_KEY (KMS) or TRAQ_MASTER_KEY_FILE, not both")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        object_store_url=object_store_url,
        master_key_file=Path(key_file).expanduser().resolve() if key_file else None,
        master_key=master_key,
        # The user's own folder: a partial ``env`` (tests, tools) inherits the process's.
        key_folder=default_key_folder({**os.environ, **env}),
    )
