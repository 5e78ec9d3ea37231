"""`traq keys rotate`: replace the master key, re-wrapping every subject key."""

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
    from storage.vault import rotate_master_key

    storage = open_storage()
    try:
        new_id, count = rotate_master_key(storage.engine, storage.settings.master_key_file)
    finally:
        storage.close()
    print(f"master key rotated to {new_id}; {count} subject keys re-wrapped, no object touched")
    return 0
