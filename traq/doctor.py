"""`traq doctor`'s checks: is this installation (or company deployment) fit to run?

Each check returns one ``Check`` (name, ok, one-line detail) and never raises: a failure is
a result to print, not an exception. Checks that need the database are skipped (failed with
"needs the database") when it is unreachable, so the report still has one line per check.
"""

from __future__ import annotations

import json
import os
import ssl
import stat
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from storage.config import Settings
from storage.db.engine import check_connection, open_engine, redacted
from storage.db.migrate import SCHEMA_HEAD, current_revision
from storage.db.schema import subject_keys
from storage.errors import StorageError
from storage.keystore import default_key_file, installation_id, key_file_for, open_key_store
from storage.objects import open_object_store
from storage.policies import DEFAULT_POLICIES, load_policies, validate_policy
from storage.private import too_open
from storage.vault import KeyVault

MAX_SKEW_SECONDS = 5.0  # collectors stamp minutes with their own clock; keep them aligned
INGEST_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    ok: bool
    detail: str
    warn: bool = False  # passed, but something should change (the detail says what)

    def line(self) -> str:
        """One printable line: ``ok   name: detail``, ``WARN name: ...`` or ``FAIL name: ...``."""
        status = "FAIL" if not self.ok else "WARN" if self.warn else "ok  "
        return f"{status} {self.name}: {self.detail}"


def _guarded(name: str, probe: Callable[[], str]) -> Check:
    """Run ``probe``; its return value is the detail of a pass, any error a failure."""
    try:
        return Check(name, True, probe())
    except (StorageError, SQLAlchemyError, ValueError, OSError) as exc:
        return Check(name, False, _first_line(exc))


def _first_line(exc: BaseException) -> str:
    text_ = str(exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


def check_database(engine: Engine) -> Check:
    """The database answers and is migrated to the schema this version ships."""

    def probe() -> str:
        check_connection(engine)
        revision = current_revision(engine)
        if revision != SCHEMA_HEAD:
            raise ValueError(
                f"{redacted(engine.url)} is at schema {revision or 'none'}, "
                f"expected {SCHEMA_HEAD}; run `traq init`"
            )
        return f"{redacted(engine.url)} reachable, schema {revision}"

    return _guarded("database", probe)


def check_objects(url: str) -> Check:
    """The object store takes a probe object, returns it and deletes it."""

    def probe() -> str:
        open_object_store(url).check_writable()
        return f"{url} writable"

    return _guarded("object store", probe)


def check_master_key(engine: Engine, settings: Settings) -> Check:
    """The master key is present, is the installation's, and opens a subject key; warns
    when the key file sits inside the data folder (a copy of the folder would carry it)."""

    def probe() -> str:
        store = open_key_store(settings, engine)
        master = store.load(engine)
        with engine.connect() as connection:
            key_id = connection.execute(
                select(subject_keys.c.key_id)
                .where(subject_keys.c.wrapped_private.is_not(None))
                .limit(1)
            ).scalar()
        where = f"{store.description} (id {master.key_id})"
        if key_id is None:
            return f"{where}; no subject keys yet"
        KeyVault(engine, master, store).private_key(str(key_id))
        return f"{where} opens the vault"

    check = _guarded("master key", probe)
    inside = _key_inside_data_folder(engine, settings) if check.ok else None
    if inside is None:
        return check
    return Check("master key", True, inside, warn=True)


def _key_inside_data_folder(engine: Engine, settings: Settings) -> str | None:
    """The warning for a key file inside the data folder, or None."""
    if settings.master_key is not None:
        return None
    path = key_file_for(settings, installation_id(engine))
    if not path.is_relative_to(settings.data_dir):
        return None
    target = default_key_file(settings, installation_id(engine))
    unset = " and unset TRAQ_MASTER_KEY_FILE" if settings.master_key_file else ""
    return (
        f"{path} is inside the data folder, so every copy of the folder carries it: "
        f"run mkdir -m 700 -p {target.parent} && mv {path} {target}{unset}"
    )


def check_policies(engine: Engine) -> Check:
    """Every stored policy is known and well-formed (privacy filters compile)."""

    def probe() -> str:
        from activity.privacy_filter import rules_from_policy

        with engine.connect() as connection:
            policies = load_policies(connection)
        for name, value in policies.items():
            if name in DEFAULT_POLICIES:
                validate_policy(name, value)
        rules_from_policy(policies["privacy_filters"])
        return f"{len(policies)} policies valid"

    return _guarded("policies", probe)


def _tls(env: Mapping[str, str]) -> ssl.SSLContext:
    """The trust a collector would use: ``TRAQ_INGEST_CA_FILE`` (a private CA) or the system."""
    ca_file = env.get("TRAQ_INGEST_CA_FILE") or None
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"cannot read TRAQ_INGEST_CA_FILE {ca_file}") from exc


def _health(url: str, env: Mapping[str, str]) -> tuple[dict[str, object], float | None]:
    """The service's health answer and its clock (the ``Date`` header), or OSError."""
    health = f"{url.rstrip('/')}/v1/health"
    try:
        with urllib.request.urlopen(
            health, timeout=INGEST_TIMEOUT_SECONDS, context=_tls(env)
        ) as answer:
            body = json.loads(answer.read() or b"null")
            date = answer.headers.get("Date")
    except urllib.error.HTTPError as exc:
        raise OSError(
            f"{health} answered HTTP {exc.code}: not a TraqNext ingestion service"
        ) from exc
    except urllib.error.URLError as exc:
        raise OSError(f"{url} unreachable ({exc.reason})") from exc
    except ValueError as exc:
        raise OSError(f"{health} answered something not JSON") from exc
    if not isinstance(body, dict) or body.get("ok") is not True:
        raise OSError(f"{health} did not answer as a TraqNext ingestion service")
    try:
        clock = parsedate_to_datetime(date).timestamp() if date else None
    except (TypeError, ValueError):  # a malformed Date header: no clock to compare
        clock = None
    return body, clock


def check_ingest(env: Mapping[str, str]) -> Check:
    """The ingestion service at ``TRAQ_INGEST_URL`` is healthy, as a collector would reach it
    (TLS trust from ``TRAQ_INGEST_CA_FILE``), and its clock agrees with this machine's."""
    url = env.get("TRAQ_INGEST_URL", "").strip()
    if not url:
        return Check("ingestion", True, "not configured (TRAQ_INGEST_URL unset)")

    def probe() -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"TRAQ_INGEST_URL must be an http(s) URL, got {url!r}")
        before = time.time()
        _, clock = _health(url, env)
        after = time.time()
        if clock is None:
            return f"{url} is healthy"
        # The Date header has whole seconds: allow one more second of skew for it.
        skew = clock - (before + after) / 2
        if abs(skew) > MAX_SKEW_SECONDS + 1:
            raise ValueError(f"{url} is healthy but {-skew:+.0f} s off this machine's clock")
        return f"{url} is healthy ({skew:+.0f} s against this machine)"

    return _guarded("ingestion", probe)


def check_clock(engine: Engine) -> Check:
    """This machine's clock agrees with the database server's within ``MAX_SKEW_SECONDS``."""

    def probe() -> str:
        if engine.dialect.name == "sqlite":
            return "SQLite runs on this machine's clock (no skew possible)"
        before = time.time()
        with engine.connect() as connection:
            server: datetime = connection.execute(text("SELECT now()")).scalar_one()
        after = time.time()
        # The server read its clock somewhere between before and after: compare to the middle.
        skew = server.astimezone(UTC).timestamp() - (before + after) / 2
        if abs(skew) > MAX_SKEW_SECONDS:
            raise ValueError(
                f"this machine is {-skew:+.1f} s off the database server; sync the clock (NTP)"
            )
        return f"{skew:+.2f} s against the database server"

    return _guarded("clock skew", probe)


def check_file_modes(settings: Settings) -> Check:
    """The data folder and what is directly in it are private to their owner."""
    exposed = too_open(settings.data_dir)
    if not exposed:
        return Check("file modes", True, f"{settings.data_dir} is private to its owner")
    shown = ", ".join(f"{p.name or p} {stat.S_IMODE(p.lstat().st_mode):o}" for p in exposed[:3])
    more = f" and {len(exposed) - 3} more" if len(exposed) > 3 else ""
    return Check("file modes", False, f"readable by others: {shown}{more}; run `traq init` to fix")


def run_checks(settings: Settings, env: Mapping[str, str] | None = None) -> list[Check]:
    """Every check, in order; the database-bound ones fail fast when it is unreachable."""
    env = os.environ if env is None else env
    try:
        engine = open_engine(settings.database_url)
    except StorageError as exc:
        engine = None
        database = Check("database", False, _first_line(exc))
    try:
        if engine is not None:
            database = check_database(engine)
        checks = [database, check_objects(settings.object_store_url)]
        if engine is None or not database.ok:
            skipped = ("master key", "policies", "clock skew")
            checks += [Check(name, False, "needs the database") for name in skipped]
        else:
            checks += [check_master_key(engine, settings), check_policies(engine)]
            checks.append(check_clock(engine))
        checks.insert(4, check_ingest(env))
        checks.append(check_file_modes(settings))
        return checks
    finally:
        if engine is not None:
            engine.dispose()
