"""Errors of the data contracts.

    ContractError          base: a contract could not be evaluated
    ├── UnknownDataset     no contract declares that dataset
    └── ValidationFailed   Great Expectations itself failed (translated at the boundary)

Messages name datasets, columns and expectation types, never a value from a batch.
"""

from __future__ import annotations


class ContractError(Exception):
    """A contract could not be evaluated."""


class UnknownDataset(ContractError, ValueError):
    """No contract declares that dataset."""


class ValidationFailed(ContractError):
    """Great Expectations failed to run a suite; the message says which."""
