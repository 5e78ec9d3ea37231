"""What the cached dashboards are keyed by, so that they change the moment the data does.

Three cheap reads: the newest rollup change (new batches, idle reviews, rectification and
rebuilds all refresh rollups), the newest audit-log entry (restriction, objection, consent,
erasure and legal holds are all audited and change who is counted), and the policies
(k, category ratings). Each is a primary-key or small-table lookup, milliseconds even on
the 1,000-person organisation.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import Engine, func, select

from storage.db.schema import audit_log
from storage.policies import load_policies
from storage.rollups import rollups_version


def data_version(engine: Engine) -> tuple[int, int, str]:
    """A value that changes whenever any manager-facing figure could change."""
    with engine.connect() as connection:
        rollups = rollups_version(connection)
        audited = connection.execute(select(func.max(audit_log.c.seq))).scalar_one()
        policies = json.dumps(load_policies(connection), sort_keys=True, default=str)
    digest = hashlib.sha256(policies.encode()).hexdigest()[:16]
    return rollups, int(audited or 0), digest
