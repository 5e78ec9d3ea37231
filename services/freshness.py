"""What the cached dashboards are keyed by, so that they change the moment the data does.

Three cheap reads: the newest rollup change (new batches, idle reviews, rectification and
rebuilds all refresh rollups), a digest of who is counted and where (each person's team,
consent, objection, restriction and time zone; an erased person's row is gone), and the
policies (k, category ratings). Not the audit log: reads are audited too (a screenshot
viewed, a request queue listed), and keying on them would throw every cached figure away
whenever anyone looked at anything. A few milliseconds on the 1,000-person organisation.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import Engine, select

from storage.db.schema import people
from storage.policies import load_policies
from storage.rollups import rollups_version

# Every column of `people` that decides whether, and in which cell, a person is counted.
COUNTED_BY = ("id", "team_id", "consent", "objected", "restricted", "timezone")


def data_version(engine: Engine) -> tuple[int, str, str]:
    """A value that changes whenever any manager-facing figure could change."""
    with engine.connect() as connection:
        rollups = rollups_version(connection)
        columns = [people.c[name] for name in COUNTED_BY]
        counted = connection.execute(select(*columns).order_by(people.c.id)).all()
        policies = json.dumps(load_policies(connection), sort_keys=True, default=str)
    who = hashlib.sha256(repr([tuple(row) for row in counted]).encode()).hexdigest()[:16]
    return rollups, who, hashlib.sha256(policies.encode()).hexdigest()[:16]
