"""Data contracts: the declared schema of every dataset, checked on ingest and in the audit.

One declaration per dataset (``declarations``) is the single source from which both checks are
generated: the Great Expectations suites (``suites``, run by ``runner`` against the database
through GE's SQL data sources) and the light, GE-free ingest check (``ingest``) the collector
calls. Nothing here imports Great Expectations at import time.
"""

from __future__ import annotations

from data_contracts.declarations import CONTRACTS, ColumnSpec, Contract, contract_for
from data_contracts.errors import ContractError, UnknownDataset
from data_contracts.ingest import CheckResult, check_batch

__all__ = [
    "CONTRACTS",
    "CheckResult",
    "ColumnSpec",
    "Contract",
    "ContractError",
    "UnknownDataset",
    "check_batch",
    "contract_for",
]
