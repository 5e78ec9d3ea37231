"""A page that fails shows one sentence and an error id; the server log holds the rest."""

from __future__ import annotations

import logging

import pytest

import services.rights.desk
from tests.app.conftest import Demo, signed_in
from traq.demo.accounts import DPO


def test_an_unexpected_error_is_one_sentence_with_an_id_in_the_log(
    demo: Demo, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("/srv/traq/secret/path.py exploded")

    monkeypatch.setattr(services.rights.desk, "requests_of", broken)
    with caplog.at_level(logging.ERROR, logger="traq.app"):
        app = signed_in(DPO, demo.password)  # the DPO lands on the request queue
    assert not app.exception
    (shown,) = [e.value for e in app.error]
    assert shown.startswith("Something went wrong on this page (error id ")
    assert "exploded" not in shown and "Traceback" not in shown and "/srv" not in shown
    error_id = shown.split("error id ")[1][:8]
    (record,) = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.exc_info is not None and "exploded" in str(record.exc_info[1])
    assert app.sidebar.markdown  # the rest of the workbench still works
