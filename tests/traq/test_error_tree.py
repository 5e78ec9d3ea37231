"""Every package's errors live in its errors.py, drawn in its docstring, and each reaches the
user of `traq` as one line with exit status 1 (issue 14)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from traq.main import ERROR_BASES, failure

PACKAGES = sorted(module.split(".")[0] for module in ERROR_BASES)


def _every_module_imported(package: str) -> None:
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)


def _tree(package: str) -> list[type[Exception]]:
    """The package's base error and every subclass defined anywhere in our packages."""
    _every_module_imported(package)
    found, todo = [], [getattr(importlib.import_module(f"{package}.errors"), _base(package))]
    while todo:
        cls = todo.pop()
        if cls in found:
            continue  # reached twice through multiple inheritance
        if cls.__module__.split(".")[0] in PACKAGES or cls.__module__.startswith("tests"):
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _raised(cls: type[Exception], message: str) -> Exception:
    """``cls`` with ``message``, also for errors whose constructor takes more than one."""
    try:
        return cls(message)
    except TypeError:
        error = cls.__new__(cls)
        error.args = (message,)
        return error


def _base(package: str) -> str:
    return ERROR_BASES[f"{package}.errors"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_error_is_defined_in_its_packages_errors_module(package: str) -> None:
    tree = _tree(package)
    strays = [f"{c.__module__}.{c.__name__}" for c in tree if c.__module__ != f"{package}.errors"]
    assert not strays
    drawing = importlib.import_module(f"{package}.errors").__doc__ or ""
    assert not [c.__name__ for c in tree if c.__name__ not in drawing]
    # sqlite-utils' rule: an error's docstring is its meaning, in one line.
    assert not [c.__name__ for c in tree if not c.__doc__ or "\n" in c.__doc__.strip()]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_error_is_one_line_and_status_one_at_the_command_line(package: str) -> None:
    for cls in _tree(package):
        status, line = failure("rights", _raised(cls, "what went wrong\nand a second line"))
        assert (status, line) == (1, "traq rights: error: what went wrong"), cls


def test_a_bug_is_not_dressed_as_a_user_error() -> None:
    status, line = failure("rights", KeyError("x"))
    assert status == 70
    assert "internal error (KeyError)" in line
