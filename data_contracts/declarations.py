"""One declaration per dataset: columns, types, ranges, uniqueness and the processing record.

Each ``Contract`` states what a valid row looks like (``ColumnSpec``: type, nullability,
range, allowed values) and why the data is held (personal-data category, retention policy key,
legal basis, purpose, recipients). The Great Expectations suites and the GE-free ingest check
are both generated from these declarations, so the rules are never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from data_contracts.errors import UnknownDataset
from storage.db.schema import REQUEST_KINDS, REQUEST_STATES

Kind = Literal["int", "str", "bool", "bytes", "date", "datetime", "json"]
TimeKind = Literal["epoch", "date", "datetime"]

EPOCH_MIN = 1_577_836_800  # 2020-01-01 UTC: nothing TraqNext holds is older
EPOCH_MAX = 4_102_444_800  # 2100-01-01 UTC


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its type, whether it may be null, and its allowed range or values."""

    name: str
    kind: Kind
    nullable: bool = False
    min_value: int | None = None
    max_value: int | None = None
    allowed: tuple[str, ...] | None = None
    unique: bool = False


@dataclass(frozen=True)
class Contract:
    """A dataset (one table) and its processing record (Article 30)."""

    dataset: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]  # unique together (the primary key)
    category: str  # personal-data category
    purpose: str
    legal_basis: str
    retention_key: str | None  # key in the ``retention_days`` policy; None: kept while employed
    time_column: str | None = None
    time_kind: TimeKind = "epoch"
    subjects: str = "employees"
    recipients: tuple[str, ...] = ("the data subject", "the DPO")
    security: tuple[str, ...] = field(
        default=("access by role", "audit-logged individual access", "encryption at rest")
    )

    def column(self, name: str) -> ColumnSpec:
        """The declared column ``name``; KeyError if undeclared."""
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)


def _epoch(name: str, nullable: bool = False) -> ColumnSpec:
    return ColumnSpec(name, "int", nullable, EPOCH_MIN, EPOCH_MAX)


# A local day lasts 23, 24 or 25 hours (daylight saving): daily totals are bounded by the
# longest one, or the fall-back Sunday of every person in such a zone would fail its contract.
LONGEST_DAY_SECONDS = 25 * 3600


def _count(name: str, most: int) -> ColumnSpec:
    return ColumnSpec(name, "int", min_value=0, max_value=most)


_PERSON = ColumnSpec("person_id", "int", min_value=1)
_DEVICE = ColumnSpec("device_id", "int", min_value=1)
_LEGIT = "legitimate interest (Art. 6(1)(f)): workload and capacity planning"
_TEAM_STATS = "team-level activity statistics for capacity planning"
_MANAGERS = ("the data subject", "the DPO", "managers (aggregates of at least k people)")

_CONTRACTS: tuple[Contract, ...] = (
    Contract(
        dataset="people",
        columns=(
            ColumnSpec("id", "int", min_value=1, unique=True),
            ColumnSpec("pseudonym", "str", unique=True),
            ColumnSpec("display_name", "str"),
            ColumnSpec("email", "str", nullable=True, unique=True),
            ColumnSpec("team_id", "int", min_value=1),
            ColumnSpec("timezone", "str"),
            ColumnSpec("consent", "str", allowed=("given", "withdrawn")),
            ColumnSpec("objected", "bool"),
            ColumnSpec("restricted", "bool"),
            ColumnSpec("legal_hold_reason", "str", nullable=True),
            ColumnSpec("tracking_paused", "bool"),
            ColumnSpec("created_at", "datetime"),
        ),
        key=("id",),
        category="identity and employment data",
        purpose="identify data subjects, honour their rights and consent",
        legal_basis="contract of employment (Art. 6(1)(b))",
        retention_key=None,
    ),
    Contract(
        dataset="devices",
        columns=(
            ColumnSpec("id", "int", min_value=1, unique=True),
            _PERSON,
            ColumnSpec("name", "str"),
            ColumnSpec("platform", "str"),
            ColumnSpec("created_at", "datetime"),
            ColumnSpec("last_seen_at", "datetime", nullable=True),
        ),
        key=("id",),
        category="device identifiers",
        purpose="attribute collected activity to the right person",
        legal_basis=_LEGIT,
        retention_key=None,
    ),
    Contract(
        dataset="activity_minutes",
        columns=(
            _PERSON,
            _epoch("minute"),
            _DEVICE,
            _count("active_seconds", 60),
            _count("key_presses", 5_000),
            _count("mouse_clicks", 2_000),
            _count("mouse_moves", 100_000),
            _count("scrolls", 10_000),
        ),
        key=("person_id", "minute", "device_id"),
        category="activity counts per minute (no key identities)",
        purpose=_TEAM_STATS,
        legal_basis=_LEGIT,
        retention_key="activity_minutes",
        time_column="minute",
    ),
    Contract(
        dataset="app_spans",
        columns=(
            _PERSON,
            _DEVICE,
            _epoch("start_ts"),
            _epoch("end_ts"),
            ColumnSpec("app", "str"),
            ColumnSpec("site", "str", nullable=True),
            ColumnSpec("title_ct", "bytes", nullable=True),
        ),
        key=("person_id", "device_id", "start_ts"),
        category="application use; window titles (encrypted)",
        purpose=_TEAM_STATS,
        legal_basis=_LEGIT,
        retention_key="activity_minutes",
        time_column="start_ts",
    ),
    Contract(
        dataset="screenshots",
        columns=(
            _PERSON,
            _DEVICE,
            _epoch("taken_at"),
            ColumnSpec("object_key", "str", unique=True),
            ColumnSpec("key_id", "str"),
            _count("width", 20_000),
            _count("height", 20_000),
            _count("size_bytes", 200_000_000),
            ColumnSpec("blurred", "bool"),
        ),
        key=("person_id", "device_id", "taken_at"),
        category="screenshots (encrypted to the subject's key)",
        purpose="evidence of work for the employee's own review",
        legal_basis="consent (Art. 6(1)(a))",
        retention_key="screenshots",
        time_column="taken_at",
        recipients=("the data subject", "the DPO"),
    ),
    Contract(
        dataset="activity_10min",
        columns=(
            _PERSON,
            _epoch("slot_start"),
            _count("tracked_seconds", 600),
            _count("active_seconds", 600),
            _count("key_presses", 50_000),
            _count("mouse_clicks", 20_000),
        ),
        key=("person_id", "slot_start"),
        category="activity rollups per 10 minutes",
        purpose=_TEAM_STATS,
        legal_basis=_LEGIT,
        retention_key="rollups",
        time_column="slot_start",
        recipients=_MANAGERS,
    ),
    Contract(
        dataset="activity_daily",
        columns=(
            _PERSON,
            ColumnSpec("day", "date"),
            _count("tracked_seconds", LONGEST_DAY_SECONDS),
            _count("active_seconds", LONGEST_DAY_SECONDS),
            _count("key_presses", 1_000_000),
            _count("mouse_clicks", 500_000),
            _epoch("first_ts"),
            _epoch("last_ts"),
        ),
        key=("person_id", "day"),
        category="activity rollups per day",
        purpose=_TEAM_STATS,
        legal_basis=_LEGIT,
        retention_key="rollups",
        time_column="day",
        time_kind="date",
        recipients=_MANAGERS,
    ),
    Contract(
        dataset="app_daily",
        columns=(
            _PERSON,
            ColumnSpec("day", "date"),
            ColumnSpec("app", "str"),
            _count("seconds", LONGEST_DAY_SECONDS),
        ),
        key=("person_id", "day", "app"),
        category="application use per day",
        purpose=_TEAM_STATS,
        legal_basis=_LEGIT,
        retention_key="rollups",
        time_column="day",
        time_kind="date",
        recipients=_MANAGERS,
    ),
    Contract(
        dataset="rights_requests",
        columns=(
            ColumnSpec("id", "int", min_value=1, unique=True),
            ColumnSpec("person_id", "int", nullable=True, min_value=1),
            ColumnSpec(
                "kind",
                "str",
                allowed=REQUEST_KINDS,
            ),
            ColumnSpec(
                "state",
                "str",
                allowed=REQUEST_STATES,
            ),
            ColumnSpec("received_at", "datetime"),
            ColumnSpec("due_at", "datetime"),
            ColumnSpec("closed_at", "datetime", nullable=True),
        ),
        key=("id",),
        category="data-subject rights requests",
        purpose="handle and prove the handling of rights requests",
        legal_basis="legal obligation (Art. 6(1)(c), Art. 12-22)",
        retention_key="rights_requests",
        time_column="closed_at",
        time_kind="datetime",
        recipients=("the data subject", "the DPO", "the supervisory authority on request"),
    ),
    Contract(
        dataset="audit_log",
        columns=(
            ColumnSpec("seq", "int", min_value=1, unique=True),
            ColumnSpec("at", "datetime"),
            ColumnSpec("actor", "str"),
            ColumnSpec("action", "str"),
            ColumnSpec("subject_ref", "str", nullable=True),
            ColumnSpec("prev_hash", "str"),
            ColumnSpec("entry_hash", "str", unique=True),
        ),
        key=("seq",),
        category="access and processing log (pseudonymous)",
        purpose="accountability (Art. 5(2)): prove who accessed what",
        legal_basis="legal obligation (Art. 6(1)(c))",
        retention_key="audit_log",
        time_column="at",
        time_kind="datetime",
        recipients=("the DPO", "the supervisory authority on request"),
    ),
)

CONTRACTS: dict[str, Contract] = {contract.dataset: contract for contract in _CONTRACTS}


def contract_for(dataset: str) -> Contract:
    """The contract of ``dataset``; UnknownDataset if none is declared."""
    try:
        return CONTRACTS[dataset]
    except KeyError:
        known = ", ".join(sorted(CONTRACTS))
        raise UnknownDataset(f"no contract for dataset {dataset!r}; known: {known}") from None
