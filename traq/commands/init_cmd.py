"""`traq init`: data folder, database schema, master key, default policies, first admin."""

from __future__ import annotations

import argparse
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from traq.errors import CommandError

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from storage.config import Settings
    from storage.crypto.keys import MasterWrapper
    from storage.keystore import KeyStore


def register(sub: Any) -> None:
    """Add the `init` command."""
    parser = sub.add_parser(
        "init", help="create the data folder, database schema, master key and a first admin"
    )
    parser.add_argument(
        "--admin",
        metavar="USERNAME",
        help="your own account name (e.g. ada.lovelace): the first admin, created if no admin "
        "exists yet; a role's name such as 'admin' is refused",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Initialise (or re-check and migrate) the installation named by the environment."""
    from storage.config import load_settings

    settings = load_settings()
    created: list[Path] = []
    try:
        summary = initialise(settings, args.admin, created)
    except BaseException:
        for path in reversed(created):  # leave no partial state behind
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        raise
    print(summary)
    return 0


def _make_data_dir(data_dir: Path, created: list[Path]) -> None:
    from storage.private import tighten

    missing = [p for p in (data_dir, *data_dir.parents) if not p.exists()]
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise CommandError(
            f"data folder {data_dir} is not writable ({exc.strerror}); set TRAQ_DATA_DIR"
        ) from exc
    if missing:
        created.append(missing[-1])  # the outermost folder we created
    tighten(data_dir)  # an installation made before files were private


def initialise(settings: Settings, admin: str | None, created: list[Path]) -> str:
    """Do the work of `traq init`; append every path it creates to ``created``."""
    from sqlalchemy import insert

    from storage.accounts import check_username, create_user, has_admin, hash_password, new_password
    from storage.db.engine import check_connection, open_engine
    from storage.db.migrate import upgrade_to_head
    from storage.db.schema import installation
    from storage.epochs import ensure_epoch
    from storage.keystore import installation_id, installed_master_key_id, new_installation_id
    from storage.objects import open_object_store
    from storage.policies import seed_default_policies

    if admin is not None:
        try:
            check_username(admin)
        except ValueError as exc:
            raise CommandError(f"--admin: {exc}") from exc
    _make_data_dir(settings.data_dir, created)
    engine = open_engine(settings.database_url)
    check_connection(engine)
    objects = open_object_store(settings.object_store_url)
    ensure_bucket = getattr(objects, "ensure_bucket", None)  # S3: create the bucket if missing
    if ensure_bucket is not None:
        ensure_bucket()
    objects.check_writable()
    installed = installed_master_key_id(engine) if _has_schema(engine) else None
    upgrade_to_head(engine)  # before the key: older databases gain their installation id
    install_id = installation_id(engine) or new_installation_id()
    store = _key_store(settings, engine, install_id)
    master = _first_key(store, created) if installed is None else _existing_key(store, engine)
    now = datetime.now(UTC)
    password, admin_exists = None, True
    with engine.begin() as connection:
        if installed is None:
            connection.execute(
                insert(installation).values(
                    id=1, created_at=now, master_key_id=master.key_id, installation_id=install_id
                )
            )
        ensure_epoch(connection, master, now)  # adopts keys made before epochs existed
        seed_default_policies(connection, now)
        admin_exists = has_admin(connection)
        if admin_exists and admin is not None:
            _refuse_second_admin(connection, admin)
        if not admin_exists and admin is not None:
            password = new_password()
            # Printed on a terminal: the admin replaces it at first sign-in.
            hashed = hash_password(password)
            create_user(connection, admin, "admin", hashed, now, must_change_password=True)
    engine.dispose()
    lines = [
        f"TraqNext {'initialised' if installed is None else 'is initialised'} in "
        f"{settings.data_dir} (database {engine.url.get_backend_name()}, "
        f"objects {settings.object_store_url}, master key {master.key_id} in {store.description})"
    ]
    if password:
        lines.append(f"admin account {admin!r} password (shown once): {password}")
    elif not admin_exists:
        lines.append(
            "no admin account yet: `traq init --admin YOUR-NAME` creates yours "
            "(accounts are personal, so every action is by someone)"
        )
    return "\n".join(lines)


def _refuse_second_admin(connection: Connection, admin: str) -> None:
    """CommandError unless ``admin`` is an admin already (re-running `traq init --admin` with
    the same name, as `make run ADMIN=...` does, stays idempotent).

    A second "first admin" would be an account no admin approved. Raised inside the
    transaction, so that the failed command changes nothing.
    """
    from storage.accounts import find_user

    row = find_user(connection, admin)
    if row is None or row.role != "admin":
        raise CommandError(
            f"--admin: an admin exists already, so {admin!r} was not created; "
            "an admin adds it on the Accounts page"
        )


def _key_store(settings: Settings, engine: Engine, install_id: str) -> KeyStore:
    from storage.keystore import FileKeyStore, key_file_for, open_key_store

    if settings.master_key is not None:
        return open_key_store(settings, engine)
    return FileKeyStore(key_file_for(settings, install_id))


def _first_key(store: KeyStore, created: list[Path]) -> MasterWrapper:
    """A new installation's master key (an existing key file named for it is reused)."""
    from storage.crypto.keys import load_master_key
    from storage.keystore import FileKeyStore

    if not isinstance(store, FileKeyStore):
        return store.create_first()
    if store.path.exists():
        return load_master_key(store.path)
    missing = [p for p in (store.path.parent, *store.path.parent.parents) if not p.exists()]
    master = store.create_first()
    created.append(missing[-1] if missing else store.path)
    return master


def _existing_key(store: KeyStore, engine: Engine) -> MasterWrapper:
    from storage.keystore import FileKeyStore, installed_master_key_id

    if isinstance(store, FileKeyStore) and not store.path.exists():
        raise CommandError(
            f"this database was set up with master key {installed_master_key_id(engine)}, "
            f"but {store.path} does not exist; set TRAQ_MASTER_KEY_FILE"
        )
    return store.load(engine)


def _has_schema(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return "installation" in inspect(engine).get_table_names()
