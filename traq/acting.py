"""Acting as a workbench account from the command line, with the OS account beside it.

`--as USERNAME` is a claim. ``acting_session`` checks it against the OS account that runs
`traq` (``storage.os_accounts.check_owner``): a DPO account acts only from the OS account an
admin linked to it (or root with ``--root-override``), and every audit entry the command
writes records that OS account as ``via`` beside the claimed actor.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from services.rights import Actor
    from storage.facade import Storage


def add_actor_options(parser: argparse.ArgumentParser, text: str, required: bool = True) -> None:
    """``--as USERNAME`` and ``--root-override`` (shared by every command that acts as someone)."""
    parser.add_argument("--as", dest="username", required=required, metavar="USERNAME", help=text)
    parser.add_argument(
        "--root-override", action="store_true",
        help="as root: act as an account linked to another OS user (recorded in the audit log)",
    )  # fmt: skip


@contextmanager
def acting_session(
    username: str, root_override: bool, program: str
) -> Iterator[tuple[Storage, Connection, Actor]]:
    """Storage, one transaction and the checked actor; the OS account recorded in the audit."""
    from services.rights import load_actor
    from storage.audit import recorded_origin
    from storage.facade import open_storage
    from storage.os_accounts import check_owner

    storage = open_storage()
    try:
        with storage.engine.begin() as connection:
            actor = load_actor(connection, username)
            origin = check_owner(
                connection, actor.user_id, required=actor.is_dpo,
                root_override=root_override, program=f"traq {program}",
            )  # fmt: skip
            with recorded_origin(connection, origin):
                yield storage, connection, actor
    finally:
        storage.close()
