"""`import analytics` and `import services` load no data-frame library (issue 14), while every
name they export still resolves on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest

import analytics
import services

HEAVY = ("polars", "pandas", "numpy", "sqlalchemy", "great_expectations", "opendp")


@pytest.mark.parametrize("package", ["analytics", "services"])
def test_importing_the_package_loads_no_heavy_library(package: str) -> None:
    code = f"import sys, {package}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("package", [analytics, services])
def test_every_exported_name_resolves(package: object) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    assert sorted(names) == names and len(set(names)) == len(names)
    for name in names:
        assert getattr(package, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        analytics.nothing_here  # type: ignore[attr-defined]  # noqa: B018


def test_every_lazy_name_is_exported() -> None:
    assert set(analytics._LAZY) <= set(analytics.__all__)
