"""The first `traq collect` on an empty installation: say what is collected, ask, enrol.

Only on the embedded path (no ``TRAQ_INGEST_URL``, no ``--subject``, no ``--enrol``) and
only while the installation has nobody in it; an organisation's installation is untouched.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from traq.errors import CommandError


def first_collect(
    assume_yes: bool,
    ask: Callable[[str], str] = input,
    out: TextIO = sys.stdout,
) -> str | None:
    """The pseudonym of the person just created for this run, or None if someone exists."""
    from services.first_run import nobody_yet, set_up_yourself, system_timezone
    from services.policy_text import policy_lines
    from storage import open_storage
    from storage.errors import DatabaseError
    from storage.os_accounts import running_os_account
    from storage.policies import load_policies

    try:
        storage = open_storage()
    except DatabaseError:
        return None  # unreachable: the collector says why, or runs on a known device's cache
    try:
        if not nobody_yet(storage.engine):
            return None
        with storage.engine.connect() as connection:
            policy = load_policies(connection)
        print("Nobody is tracked here yet: this run tracks you, on this computer.", file=out)
        print("What TraqNext collects:", file=out)
        for line in policy_lines(policy):
            print(f"  - {line}", file=out)
        if not assume_yes:
            try:
                answer = ask("Start tracking yourself? [y/N] ")
            except EOFError:  # no terminal and nothing piped in
                raise CommandError("first run: answer y, or pass --yes to agree") from None
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("nothing collected: you did not agree")
        account = running_os_account()
        username = _username(account.name, assume_yes, ask, out)
        me = set_up_yourself(
            storage.engine, storage.vault, account, system_timezone(), datetime.now(UTC), username
        )
    finally:
        storage.close()
    print(f"You are tracked as {me.pseudonym} ({account.name}).", file=out)
    if me.password is not None:
        print(
            f"Workbench account: {me.username}, one-time password (shown once): {me.password}",
            file=out,
        )
        print("See your day: traq app (sign in, then My day).", file=out, flush=True)
    else:
        print("No workbench account was made; an admin can make one for you.", file=out)
    return me.pseudonym


def _username(os_name: str, assume_yes: bool, ask: Callable[[str], str], out: TextIO) -> str | None:
    """The workbench username: the OS account's name, or (when that names a role, as
    "root" does) one asked for; None with ``--yes`` or no answer (no account then)."""
    from services.first_run import usable_username

    why = usable_username(os_name)
    while why is not None:
        print(f"Your OS account cannot be a workbench username: {why}.", file=out)
        if assume_yes:
            return None
        try:
            os_name = ask("Workbench username (blank: none): ").strip()
        except EOFError:
            return None
        if not os_name:
            return None
        why = usable_username(os_name)
    return os_name
