"""`traq keys rotate`: replace the master key, re-wrapping the epoch key under it."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the `keys` command group."""
    parser = sub.add_parser("keys", help="manage the master key")
    actions = parser.add_subparsers(
        dest="action", required=True, parser_class=type(parser), help="what to do"
    )
    rotate = actions.add_parser(
        "rotate", help="create a new master key and re-wrap every person's private key with it"
    )
    rotate.set_defaults(run=run_rotate)


def run_rotate(_args: argparse.Namespace) -> int:
    """Rotate the master key; objects are untouched (they are sealed to subject keys)."""
    from storage.facade import open_storage
    from storage.keystore import open_key_store
    from storage.vault import rotate_with_store

    storage = open_storage()
    try:
        store = open_key_store(storage.settings, storage.engine)
        new_id, count = rotate_with_store(storage.engine, store)
    finally:
        storage.close()
    print(
        f"master key rotated to {new_id} ({store.description}); {count} subject keys re-wrapped "
        "(through their epoch key), no object touched; replace your separate copy of the key"
    )
    return 0
