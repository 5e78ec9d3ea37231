"""The retention audit: prove that nothing expired remains and erased people left nothing.

Checks (each names its category): the oldest record of every retention category against its
limit, with overdue counts; no expired screenshot object (any version) and no version a
deletion left behind; nothing held for erased people (series rows, objects, undestroyed keys,
rows in the lake, old versions of lake parts); and the data contracts' results, which
the caller runs (Great Expectations is imported only there) and passes in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from data_contracts import CONTRACTS
from services.retention.rules import export_cutoff, first_kept_day, plan_purge
from storage.db.schema import retention_runs, rights_requests, subject_keys
from storage.departures import due_for_erasure
from storage.objects import ObjectStore
from storage.policies import PARTIES, load_policies
from storage.retention import (
    ERASED,
    PurgeStep,
    count_expired,
    count_orphans,
    count_versions,
    stale_versions,
)
from storage.retention_objects import SUBJECTS, count_key_versions, expired_objects

MAX_LISTED_KEYS = 200  # evidence lists this many unparsable keys; the count is exact


@dataclass(frozen=True)
class Check:
    """One audit check: passed or not, with its evidence (counts and dates, never content)."""

    name: str
    category: str
    ok: bool
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class AuditReport:
    """Everything a DPO files: checks, processing records, validations, deletion evidence."""

    as_of: date
    run_at: str
    checks: list[Check]
    activities: list[dict[str, Any]]
    contracts: list[dict[str, Any]]
    deletions: dict[str, Any]
    rights: dict[str, int]
    # Controller and DPO (policy name -> {"name", "contact"}), named by the Article 30 record.
    responsibles: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """True when every check passed."""
        return all(check.ok for check in self.checks)

    @property
    def violations(self) -> list[Check]:
        """The checks that failed."""
        return [check for check in self.checks if not check.ok]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, stable for scripts."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["success"] = self.success
        return data


def _age_days(value: Any, as_of: date) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (as_of - value.astimezone(UTC).date()).days
    if isinstance(value, date):
        return (as_of - value).days
    return (as_of - datetime.fromtimestamp(int(value), UTC).date()).days


def _category_check(
    connection: Connection, category: str, steps: list[PurgeStep], days: int, as_of: date
) -> Check:
    evidence: dict[str, Any] = {"limit_days": days, "first_kept_day": str(steps[0].cutoff)}
    overdue, oldest = 0, None
    for step in steps:
        n, _ = count_expired(connection, step)
        _, first = count_expired(connection, replace(step, cutoff=date.max))
        age = _age_days(first, as_of)
        label = f"{step.table}.{step.clear}" if step.clear else step.table
        evidence[label] = {"overdue": n, "oldest_age_days": age}
        overdue += n
        oldest = age if oldest is None or (age is not None and age > oldest) else oldest
    evidence["overdue"], evidence["oldest_age_days"] = overdue, oldest
    return Check(f"retention of {category}", category, overdue == 0, evidence)


def _retention_checks(
    connection: Connection, retention_days: Mapping[str, int], as_of: date
) -> list[Check]:
    by_category: dict[str, list[PurgeStep]] = {}
    for step in plan_purge(retention_days, as_of):
        by_category.setdefault(step.category, []).append(step)
    return [
        _category_check(connection, category, steps, retention_days[category], as_of)
        for category, steps in by_category.items()
    ]


def _object_checks(
    engine: Engine, objects: ObjectStore, retention_days: Mapping[str, int], as_of: date
) -> tuple[Check, dict[str, int]]:
    cutoff = first_kept_day(as_of, retention_days["screenshots"])
    found = expired_objects(engine, objects, cutoff, export_cutoff(retention_days, as_of))
    prefixes = found.prefixes
    expired = count_versions(objects, prefixes["screenshots"])
    # Keys no rule dates count as expired (the purge deletes them), unless on legal hold.
    odd = count_key_versions(objects, found.unparsable_expired)
    # Stored exports past their life (request gone, not completed, or older than allowed).
    exports = count_key_versions(objects, found.exports)
    # A delete marker, or an older version of a deleted object: a deletion that kept a copy.
    left = stale_versions(objects, SUBJECTS, overwritten=False)
    check = Check(
        "no expired or deleted screenshot objects (any version)",
        "screenshots",
        expired == 0 and left == 0 and odd == 0 and exports == 0,
        {
            "expired_versions": expired,
            "expired_days": len(prefixes["screenshots"]),
            "versions_left_by_deletions": left,
            "unparsable_keys": len(found.unparsable),
            "unparsable_expired_versions": odd,
            "expired_export_versions": exports,
            "unparsable_key_list": found.unparsable[:MAX_LISTED_KEYS],
        },
    )
    erased = {"object_versions": count_versions(objects, prefixes[ERASED])}
    return check, {**erased, **_lake_evidence(engine, objects)}


def _lake_evidence(engine: Engine, objects: ObjectStore) -> dict[str, int]:
    """Erased people's rows in the installation's lake, and old versions of its parts."""
    from analytics.lake.erased import lake_evidence  # polars: only when auditing

    return lake_evidence(engine, objects)


def _erased_check(connection: Connection, objects_left: dict[str, int]) -> Check:
    keys_left = connection.execute(
        select(func.count()).where(
            subject_keys.c.person_id.is_(None), subject_keys.c.wrapped_private.is_not(None)
        )
    ).scalar_one()
    evidence: dict[str, Any] = {
        **count_orphans(connection),
        **objects_left,
        "undestroyed_keys": int(keys_left),
    }
    ok = not any(evidence.values())
    return Check("nothing held for erased people", ERASED, ok, evidence)


def _departures_check(connection: Connection, as_of: date) -> Check:
    """Nobody remains past the post-employment period but those a legal hold keeps."""
    days = int(load_policies(connection)["post_employment_days"])
    end_of_day = datetime.combine(as_of, time(23, 59, 59), UTC)
    due = due_for_erasure(connection, days, end_of_day)
    held = sum(1 for person in due if person.legal_hold)
    evidence = {"post_employment_days": days, "overdue": len(due) - held, "held": held}
    return Check(
        "people who left are erased in time", "post-employment", held == len(due), evidence
    )


def _contracts_check(contracts: Sequence[Mapping[str, Any]]) -> Check:
    failed = sorted(c["dataset"] for c in contracts if not c["success"])
    evidence = {"validated": len(contracts), "failed": failed}
    return Check("data contracts hold", "contracts", not failed, evidence)


def _activities(retention_days: Mapping[str, int]) -> list[dict[str, Any]]:
    records = []
    for contract in CONTRACTS.values():
        key = contract.retention_key
        records.append(
            {
                "dataset": contract.dataset,
                "purpose": contract.purpose,
                "legal_basis": contract.legal_basis,
                "data_subjects": contract.subjects,
                "data_category": contract.category,
                "recipients": list(contract.recipients),
                "retention": f"{retention_days[key]} days ({key})" if key else "while employed",
                "security_measures": list(contract.security),
                "encryption_at_rest": contract.encryption_at_rest(),
            }
        )
    return records


def _deletions(connection: Connection) -> dict[str, Any]:
    runs = connection.execute(
        select(retention_runs).order_by(retention_runs.c.id.desc()).limit(20)
    ).all()
    keys = connection.execute(
        select(subject_keys.c.key_id, subject_keys.c.destroyed_at)
        .where(subject_keys.c.destroyed_at.is_not(None))
        .order_by(subject_keys.c.destroyed_at)
    ).all()
    return {
        "purge_runs": [
            {
                "started_at": str(r.started_at),
                "finished_at": str(r.finished_at) if r.finished_at else None,
                "as_of": str(r.as_of),
                "counts": r.counts,
            }
            for r in runs
        ],
        "keys_destroyed": [{"key_id": k, "destroyed_at": str(at)} for k, at in keys],
    }


def _rights(connection: Connection, as_of: date) -> dict[str, int]:
    t = rights_requests
    moment = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
    due = func.coalesce(t.c.extended_due_at, t.c.due_at)

    def count(*where: Any) -> int:
        return int(connection.execute(select(func.count()).where(*where)).scalar_one())

    return {
        "received": count(),
        "closed": count(t.c.closed_at.is_not(None)),
        "overdue": count(t.c.closed_at.is_(None), due < moment),
        "extended": count(t.c.extended_due_at.is_not(None)),
    }


def run_audit(
    engine: Engine,
    objects: ObjectStore,
    retention_days: Mapping[str, int],
    as_of: date,
    contracts: Sequence[Mapping[str, Any]],
) -> AuditReport:
    """Audit the installation as of ``as_of``; ``contracts`` are the validation results."""
    object_check, erased_objects = _object_checks(engine, objects, retention_days, as_of)
    with engine.connect() as connection:
        checks = _retention_checks(connection, retention_days, as_of)
        checks += [object_check, _erased_check(connection, erased_objects)]
        checks.append(_departures_check(connection, as_of))
        deletions, rights = _deletions(connection), _rights(connection, as_of)
        policies = load_policies(connection)
    checks.append(_contracts_check(contracts))
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    return AuditReport(
        as_of,
        run_at,
        checks,
        _activities(retention_days),
        [dict(c) for c in contracts],
        deletions,
        rights,
        {name: dict(policies[name]) for name in PARTIES},
    )
