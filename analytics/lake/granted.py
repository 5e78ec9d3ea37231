"""Per-person rows for a data team, only under a DPO's live grant, every use audited.

The lake's and notebooks' default surface holds no per-person row (``PUBLISHED_DATASETS``).
A data team that needs pseudonymous per-person rows asks the DPO, who grants them to one named
account for a stated purpose and period (`traq grants give`). Using the grant:

- the account must be owned by the OS account running this process (``check_owner``): a
  notebook or `traq export parquet --as NAME` cannot borrow somebody else's grant;
- the grant must be live (given, not revoked, not past ``usable_until``) and cover every day
  asked for: rows outside its period are never read;
- each use is appended to the audit log (grant, account, days, dataset, rows) in the same
  transaction that read the rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine

from analytics.errors import GrantRequired, InvalidQuery
from analytics.lake.datasets import PERSON_DATASETS, LakeDataset, Period, month_rows_query
from analytics.loaders.base import load_people
from storage import audit
from storage.accounts import find_user
from storage.grants import Grant, live_grants
from storage.os_accounts import check_owner

USE_ACTION = "grant.used"


def check_grant(
    connection: Connection,
    username: str,
    now: datetime,
    period: Period | None = None,
    *,
    root_override: bool = False,
    program: str = "notebook",
) -> tuple[Grant, dict[str, Any]]:
    """The live grant of ``username`` covering ``period`` (any, when None) and who ran us.

    GrantRequired without one; storage's NotAccountOwner when the OS account running this
    process does not own ``username``. Records nothing: ``record_use`` does, once used.
    """
    row = find_user(connection, username)  # any case, as at sign-in
    if row is None or row.disabled_at is not None:
        raise GrantRequired("no enabled account with that username")
    origin = check_owner(
        connection, int(row.id), required=True, root_override=root_override, program=program
    )
    return _covering(live_grants(connection, int(row.id), now), period), origin


def record_use(
    connection: Connection,
    grant: Grant,
    origin: dict[str, Any],
    details: dict[str, Any],
    now: datetime,
) -> None:
    """Append the ``grant.used`` entry (grant id first, then ``details``), with who ran it."""
    with audit.recorded_origin(connection, origin):
        audit.append(
            connection, audit.user_ref(grant.user_id), USE_ACTION, None,
            {"grant": grant.id, **details}, now,
        )  # fmt: skip


def _covering(grants: list[Grant], period: Period | None) -> Grant:
    if not grants:
        raise GrantRequired(
            "per-person rows need a live grant from the DPO to this account (traq grants give)"
        )
    for grant in grants:
        if period is None or grant.covers(*period):
            return grant
    spans = ", ".join(f"{g.period_from}..{g.period_to}" for g in grants)
    raise GrantRequired(f"the days asked for lie outside this account's granted period ({spans})")


def _dataset(name: str) -> LakeDataset | None:
    for dataset in PERSON_DATASETS:
        if dataset.name == name:
            return dataset
    if name != "people":
        known = ", ".join(["people", *(d.name for d in PERSON_DATASETS)])
        raise InvalidQuery(f"unknown dataset {name!r}; known: {known}")
    return None


def person_rows(
    engine: Engine,
    username: str,
    dataset: str,
    first: date,
    last: date,
    now: datetime,
    *,
    root_override: bool = False,
) -> pl.DataFrame:
    """Per-person rows of ``dataset`` for the days ``first`` … ``last``, under a live grant.

    ``dataset`` is ``people`` or one of the lake's person datasets (``activity_minutes``,
    ``app_spans`` without titles, ``activity_10min``, ``activity_daily``, ``app_daily``).
    Restricted, objecting and withdrawn people are left out, as everywhere in analytics.
    """
    if first > last:
        raise InvalidQuery("the first day must not be after the last")
    table = _dataset(dataset)
    with engine.begin() as connection:  # the read and its audit entry commit together
        grant, origin = check_grant(
            connection, username, now, (first, last), root_override=root_override
        )
        frame = _read(connection, table, (first, last))
        details = {
            "use": "notebook", "dataset": dataset, "from": first.isoformat(),
            "to": last.isoformat(), "rows": frame.height,
        }  # fmt: skip
        record_use(connection, grant, origin, details, now)
    return frame


def _read(connection: Connection, dataset: LakeDataset | None, period: Period) -> pl.DataFrame:
    if dataset is None:
        return load_people(connection).collect()
    query = month_rows_query(dataset, None, period)
    rows = [tuple(r) for r in connection.execute(query)]
    return pl.DataFrame(rows, schema=dataset.schema(), orient="row")
