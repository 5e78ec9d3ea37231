"""Every analytics and services error lives in its package's errors.py and reaches the user of
`traq` as one line with exit status 1 (issue 14)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import analytics
import services
from analytics.errors import AnalyticsError
from services.errors import ServicesError
from traq.main import failure

# analytics.imports keeps its own errors.py (a sub-package another change reorganises).
HOMES = {AnalyticsError: {"analytics.errors", "analytics.imports.errors"},
         ServicesError: {"services.errors"}}  # fmt: skip


def _every_module_imported() -> None:
    for package in (analytics, services):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)


def _subclasses(base: type[Exception]) -> list[type[Exception]]:
    found, todo = [], [base]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("base", list(HOMES), ids=lambda base: base.__name__)
def test_every_error_is_defined_in_its_packages_errors_module(base: type[Exception]) -> None:
    _every_module_imported()
    strays = [f"{c.__module__}.{c.__name__}" for c in _subclasses(base)
              if c.__module__ not in HOMES[base]]  # fmt: skip
    assert not strays
    assert len(_subclasses(base)) > 3


@pytest.mark.parametrize("base", list(HOMES), ids=lambda base: base.__name__)
def test_every_error_is_one_line_and_status_one_at_the_command_line(
    base: type[Exception],
) -> None:
    _every_module_imported()
    for cls in _subclasses(base):
        status, line = failure("rights", cls("what went wrong\nand a second line"))
        assert (status, line) == (1, "traq rights: error: what went wrong"), cls


def test_a_bug_is_not_dressed_as_a_user_error() -> None:
    status, line = failure("rights", KeyError("x"))
    assert status == 70
    assert "internal error (KeyError)" in line
