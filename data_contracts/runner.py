"""Run the contract suites with Great Expectations against the database (SQL data sources).

Validation runs inside the database (GE compiles each expectation to SQL), so it scales with
the database rather than with memory. Over a whole table, what the catalog enforces (NOT NULL,
keys, PostgreSQL column types; ``data_contracts.enforced``) is recorded as evidence instead of
scanned, and the remaining per-value rules run as one scan; a failure reruns every expectation
to name the failing columns. Imports Great Expectations: use it only where validation
runs. Results keep counts and observed column types, never values.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from data_contracts.declarations import CONTRACTS, Contract, contract_for
from data_contracts.enforced import Enforced, enforced_checks
from data_contracts.errors import ValidationFailed
from data_contracts.suites import VALUE_TYPES, build_suite, build_table_suite, gx

SAFE_RESULT_KEYS = ("element_count", "unexpected_count", "unexpected_percent", "missing_count")


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict with its observed figures (no row values)."""

    expectation: str
    column: str
    success: bool
    observed: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ContractOutcome:
    """One suite run over one table (or staged batch)."""

    dataset: str
    suite: str
    table: str
    run_at: str
    success: bool
    expectations: tuple[ExpectationOutcome, ...]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        """The expectations that did not hold."""
        return [e for e in self.expectations if not e.success]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, stable for scripts."""
        return asdict(self)


def open_context() -> Any:
    """An ephemeral GE context: no files, analytics off, progress bars off."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _datasource(context: Any, engine: Engine) -> Any:
    """The context's data source for ``engine``'s database, added on first use."""
    url = engine.url.render_as_string(hide_password=False)
    name = f"db_{hashlib.sha256(url.encode()).hexdigest()[:12]}"
    if name in context.data_sources.all():
        return context.data_sources.get(name)
    if engine.dialect.name == "postgresql":
        return context.data_sources.add_postgres(name, connection_string=url)
    return context.data_sources.add_sqlite(name, connection_string=url)


@contextmanager
def _connected(context: Any, engine: Engine) -> Iterator[Any]:
    """The data source, its connections released afterwards (GE keeps a pool per source)."""
    source = _datasource(context, engine)
    try:
        yield source
    finally:
        source.get_engine().dispose()


def _observed(result: Mapping[str, Any]) -> dict[str, Any]:
    observed = {k: result[k] for k in SAFE_RESULT_KEYS if k in result}
    value = result.get("observed_value")
    if isinstance(value, str):  # a column type name, never row content
        observed["observed_type"] = value
    elif isinstance(value, int) and not isinstance(value, bool):  # rows of the wrong type
        observed["unexpected_rows"] = value
    return observed


def _outcome(dataset: str, table: str, suite: str, run: Any) -> ContractOutcome:
    expectations = []
    for res in run.results:
        kwargs = res.expectation_config.kwargs
        column = kwargs.get("column") or "+".join(kwargs.get("column_list", []))
        if not column and res.expectation_config.description:
            column = str(res.expectation_config.description).split(":")[0]
        observed = _observed(res.result or {})
        if res.exception_info and res.exception_info.get("raised_exception"):
            observed["error"] = True
        expectations.append(
            ExpectationOutcome(res.expectation_config.type, column, bool(res.success), observed)
        )
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    return ContractOutcome(dataset, suite, table, run_at, bool(run.success), tuple(expectations))


def _validate_table(
    context: Any,
    source: Any,
    contract: Contract,
    table: str,
    dialect: str,
    enforced: Enforced | None = None,
) -> ContractOutcome:
    """Run the contract over ``table``: every expectation, or with ``enforced`` given only
    what the catalog does not guarantee (row rules in one scan)."""
    asset = source.add_table_asset(f"{table}_{uuid.uuid4().hex[:6]}", table_name=table)
    batch = asset.add_batch_definition_whole_table("whole table")
    name = f"{contract.dataset}_{uuid.uuid4().hex[:6]}"
    suite = context.suites.add(
        build_suite(contract, dialect, name)
        if enforced is None
        else build_table_suite(contract, dialect, enforced, name)
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"validate {suite.name}", data=batch, suite=suite)
    )
    try:
        run = definition.run(result_format="SUMMARY")
    except Exception as exc:  # GE raises many types; translate at the boundary
        raise ValidationFailed(
            f"Great Expectations could not validate {contract.dataset} ({type(exc).__name__})"
        ) from exc
    outcome = _outcome(contract.dataset, table, contract.dataset, run)
    if not enforced:
        return outcome
    evidence = tuple(
        ExpectationOutcome(f"enforced_{check}", column, True, {"enforced_by": source_of})
        for (check, column), source_of in sorted(enforced.items())
    )
    return replace(outcome, expectations=outcome.expectations + evidence)


def _validate_whole_table(
    context: Any, source: Any, engine: Engine, contract: Contract
) -> ContractOutcome:
    """The fast whole-table run; when it fails, every expectation again to name the culprits."""
    dialect = engine.dialect.name
    enforced = enforced_checks(engine, contract, contract.dataset, VALUE_TYPES.get(dialect, {}))
    outcome = _validate_table(context, source, contract, contract.dataset, dialect, enforced)
    if outcome.success:
        return outcome
    return _validate_table(context, source, contract, contract.dataset, dialect)


def validate_database(
    engine: Engine, datasets: Iterable[str] | None = None, context: Any = None
) -> list[ContractOutcome]:
    """Run the suite of each dataset (default: every contract) over its table."""
    context = context or open_context()
    names = list(datasets) if datasets is not None else list(CONTRACTS)
    contracts = [contract_for(n) for n in names]
    with _connected(context, engine) as source:
        return [_validate_whole_table(context, source, engine, c) for c in contracts]
