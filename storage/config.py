"""Where TraqNext keeps its bytes, read from the environment with embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "./traq-data"


@dataclass(frozen=True)
class Settings:
    """Resolved locations of the data folder, database, object store and master key."""

    data_dir: Path
    database_url: str
    object_store_url: str
    master_key_file: Path


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read ``TRAQ_*`` variables from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("TRAQ_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
    database_url = env.get("TRAQ_DATABASE_URL") or f"sqlite:///{data_dir / 'traq.db'}"
    object_store_url = env.get("TRAQ_OBJECT_STORE") or (data_dir / "objects").as_uri()
    master_key_file = Path(env.get("TRAQ_MASTER_KEY_FILE") or data_dir / "master.key")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        object_store_url=object_store_url,
        master_key_file=master_key_file.expanduser().resolve(),
    )
