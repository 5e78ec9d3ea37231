"""`traq demo`: generate the organisation and write it in one transaction, with progress.

Everything about the people goes into the database in a single transaction, so an
interrupted demo leaves no organisation behind; screenshots already put in the object
store are deleted on the way out, since no transaction covers them.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from storage.crypto.envelope import Sealer
from storage.db.bulk import bulk_insert
from storage.db.schema import people, screenshots, teams
from storage.facade import Storage
from storage.policies import load_policies
from storage.vault import KeyVault
from traq.demo.accounts import (
    Accounts,
    create_accounts,
    name_responsibles,
    taken_usernames,
    usernames,
)
from traq.demo.org import Organisation, Person, build_organisation
from traq.demo.schedule import Period
from traq.demo.screenshots import INLINE_PERSON_DAYS, SHOT_COLUMNS, ShotBatch, ShotWriter
from traq.demo.sealing import plan_shots, seal_titles
from traq.demo.simulate import Policy, simulate
from traq.demo.writer import insert_devices, insert_person, write_series
from traq.errors import CommandError

Progress = Callable[[Iterable[Person]], Iterator[Person]]
FRESH = "use a fresh TRAQ_DATA_DIR"


@dataclass(frozen=True)
class DemoOptions:
    """What to generate."""

    employees: int
    days: int
    seed: int
    end: date
    screenshot_days: int


@dataclass
class DemoReport:
    """What was generated, for the closing summary."""

    people: int = 0
    teams: int = 0
    minutes: int = 0
    spans: int = 0
    screenshots: int = 0
    seconds: float = 0.0
    accounts: Accounts | None = None

    def summary(self) -> str:
        """One line: counts and time taken."""
        return (
            f"demo: {self.people:,} people in {self.teams:,} teams, "
            f"{self.minutes:,} minute rows, {self.spans:,} spans, "
            f"{self.screenshots:,} screenshots in {self.seconds:.1f} s"
        )


def run_demo(storage: Storage, options: DemoOptions, progress: Progress) -> DemoReport:
    """Generate and store the demo organisation; CommandError if the database is not empty."""
    started = clock.perf_counter()
    org = build_organisation(options.seed, options.employees)
    vault = storage.vault  # loads the master key now: a missing key fails before any work
    shots: ShotWriter | None = None
    try:
        with storage.engine.begin() as connection, _bulk_load_cache(connection):
            policies = _check_empty(connection, org)
            blur = bool(policies["screenshot_blur"])
            url = storage.settings.object_store_url
            person_days = options.employees * min(options.screenshot_days, options.days)
            inline = person_days <= INLINE_PERSON_DAYS
            shots = ShotWriter(storage.objects, url, blur=blur, inline=inline)
            demo = _Demo(connection, vault, options, org, policies, shots)
            report = demo.write(progress)
        shots.close()
    except BaseException:
        if shots is not None:
            shots.abort()
        raise
    _compact(storage)
    report.seconds = clock.perf_counter() - started
    return report


def _check_empty(connection: Connection, org: Organisation) -> dict[str, Any]:
    count = int(connection.execute(select(func.count()).select_from(people)).scalar_one())
    if count:
        raise CommandError(f"the database already holds {count} people; {FRESH}")
    names = {team.name for team in org.teams}
    clash = [n for n in connection.execute(select(teams.c.name)).scalars() if n in names]
    if clash:
        raise CommandError(f"a team named {clash[0]!r} already exists; {FRESH}")
    taken = taken_usernames(connection, usernames(org))
    if taken:
        raise CommandError(f"an account named {taken[0]!r} already exists; {FRESH}")
    return load_policies(connection)


@contextmanager
def _bulk_load_cache(connection: Connection) -> Iterator[None]:
    """A 256 MiB SQLite page cache for the load, then the connection's own size again.

    The rollup tables' time indexes take rows at random places; with the default 2 MiB
    cache their pages go back and forth between the cache and the WAL for every person.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    before = int(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
    connection.exec_driver_sql("PRAGMA cache_size=-262144")
    try:
        yield
    finally:
        with suppress(SQLAlchemyError):  # must not hide the error that ended the load
            connection.exec_driver_sql(f"PRAGMA cache_size={before}")


def _compact(storage: Storage) -> None:
    """Fold SQLite's write-ahead log (as large as the demo) back into the database file."""
    if storage.engine.dialect.name == "sqlite":
        with storage.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


class _Demo:
    """The writing of one demo organisation inside one open transaction."""

    def __init__(
        self,
        connection: Connection,
        vault: KeyVault,
        options: DemoOptions,
        org: Organisation,
        policies: dict[str, Any],
        shots: ShotWriter,
    ) -> None:
        self.connection, self.vault, self.org, self.shots = connection, vault, org, shots
        self.seed = options.seed
        self.period = Period(options.end, options.days, int(datetime.now(UTC).timestamp()))
        self.policy = Policy(
            shot_days=min(options.screenshot_days, options.days),
            shot_interval=int(policies["screenshot_interval_seconds"]),
            shot_jitter=int(policies["screenshot_jitter_seconds"]),
            idle_seconds=int(policies["idle_threshold_seconds"]),
        )
        self.store_titles = bool(policies["store_window_titles"])
        # Joined two weeks before the first day: keys and accounts predate the data.
        self.created = datetime.combine(self.period.first - timedelta(days=14), time(9), UTC)
        self.report = DemoReport(people=len(org.people), teams=len(org.teams))

    def write(self, progress: Progress) -> DemoReport:
        """Write teams, people with all their data, then accounts; return the counts."""
        team_ids = [
            int(
                self.connection.execute(
                    insert(teams)
                    .values(name=team.name, department=team.department)
                    .returning(teams.c.id)
                ).scalar_one()
            )
            for team in self.org.teams
        ]
        person_ids = [self._person(p, team_ids[p.team]) for p in progress(self.org.people)]
        self._flush_shots(block=True)
        self.report.accounts = create_accounts(
            self.connection, self.org, team_ids, person_ids, self.created
        )
        name_responsibles(self.connection, self.created)
        return self.report

    def _person(self, person: Person, team_id: int) -> int:
        sim = simulate(person, self.period, self.seed, self.policy)
        person_id = insert_person(self.connection, person, team_id, self.created)
        device_ids = insert_devices(self.connection, person_id, person, sim, self.created)
        key = self.vault.create_subject_key(self.connection, person_id, self.created)
        sealer = Sealer(key.public_key, key.key_id)
        titles = (
            seal_titles(person, sim, sealer) if self.store_titles else [None] * len(sim.spans.start)
        )
        taken = plan_shots(person, person_id, device_ids, sim, self.period)
        self.shots.submit(ShotBatch(key.public_key, key.key_id, taken))
        minutes, spans = write_series(
            self.connection, person_id, device_ids, sim, self.period, titles
        )
        self.report.minutes += minutes
        self.report.spans += spans
        self._flush_shots(block=False)
        return person_id

    def _flush_shots(self, *, block: bool) -> None:
        rows = self.shots.finished(block=block)
        if rows:
            self.report.screenshots += bulk_insert(self.connection, screenshots, SHOT_COLUMNS, rows)
