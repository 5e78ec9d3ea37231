"""The active window from real X windows under Xvfb and openbox, and without a manager."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activity.window import WindowInfo
from collector.errors import DisplayUnavailable
from collector.sources import active_window_source
from collector.sources.x11_window import X11WindowSource, decode_compound_text
from tests.collector.x11 import (
    OpenWindow,
    XServer,
    start_openbox,
    start_xvfb,
    wm_alive,
    wm_check_window,
    x_window,
    xdotool,
)

GITHUB_TITLE = "Pull requests · acme/repo — GitHub - Chromium"
FIREFOX_TITLE = "Übersicht \u2013 docs.python.org — Mozilla Firefox"  # an en dash, then an em dash


@pytest.fixture
def source(xvfb_display: XServer) -> Iterator[X11WindowSource]:
    with X11WindowSource() as window_source:
        yield window_source


@pytest.fixture
def own_display(tmp_path: Path) -> Iterator[XServer]:
    """A second Xvfb, for tests that need no manager or one they may kill."""
    server = start_xvfb(tmp_path / "xvfb.log")
    try:
        yield server
    finally:
        server.stop()


def activate(window_id: int) -> None:
    xdotool("windowactivate", "--sync", str(window_id))


def current_when(source: X11WindowSource, app: str) -> WindowInfo | None:
    """``current()`` once the manager has made ``app`` active (it may lag a moment)."""
    deadline = time.monotonic() + 5
    window = source.current()
    while (window is None or window.app != app) and time.monotonic() < deadline:
        time.sleep(0.05)
        window = source.current()
    return window


def test_switching_between_two_windows(
    window_manager: object, open_window: OpenWindow, source: X11WindowSource
) -> None:
    alpha = open_window("Quarterly plan - Editor", "TraqAlpha")
    beta = open_window("build log", "TraqBeta")
    for _ in range(2):
        activate(alpha)
        assert current_when(source, "TraqAlpha") == WindowInfo(
            "TraqAlpha", "Quarterly plan - Editor", None
        )
        activate(beta)
        assert current_when(source, "TraqBeta") == WindowInfo("TraqBeta", "build log", None)


def test_browser_title_yields_site_and_decodes_compound_text(
    window_manager: object, open_window: OpenWindow, source: X11WindowSource
) -> None:
    # In a UTF-8 locale xterm stores this title as COMPOUND_TEXT with a UTF-8 segment.
    activate(open_window(GITHUB_TITLE, "Chromium"))
    assert current_when(source, "Chromium") == WindowInfo("Chromium", GITHUB_TITLE, "github.com")


def test_net_wm_name_is_preferred_to_wm_name(
    window_manager: object, open_window: OpenWindow, source: X11WindowSource
) -> None:
    from Xlib import X, display

    window_id = open_window("plain wm name", "firefox")
    connection = display.Display()
    try:
        window = connection.create_resource_object("window", window_id)
        window.change_property(
            connection.intern_atom("_NET_WM_NAME"),
            connection.intern_atom("UTF8_STRING"),
            8,
            FIREFOX_TITLE.encode(),
            X.PropModeReplace,
        )
        connection.sync()
    finally:
        connection.close()
    activate(window_id)
    window = current_when(source, "firefox")
    assert window == WindowInfo("firefox", FIREFOX_TITLE, "docs.python.org")


def test_no_window_manager_gives_none(
    own_display: XServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", own_display.display)
    with x_window("no manager here", "TraqBare"), X11WindowSource() as bare:
        assert bare.current() is None


def test_stale_manager_check_gives_none(
    own_display: XServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", own_display.display)
    openbox = start_openbox(own_display)
    with x_window("still open", "TraqStale") as window_id, X11WindowSource() as window_source:
        activate(window_id)
        assert current_when(window_source, "TraqStale") == WindowInfo(
            "TraqStale", "still open", None
        )
        openbox.send_signal(signal.SIGKILL)
        openbox.wait(timeout=10)
        # Killed, openbox leaves both root properties behind, and the window they name
        # still exists: only the check window tells that no manager runs any more.
        assert wm_check_window(own_display.display) is not None
        assert not wm_alive(own_display.display)
        assert window_source.current() is None


def test_repr_hides_title_and_site() -> None:
    window = WindowInfo("Chromium", GITHUB_TITLE, "github.com")
    assert GITHUB_TITLE not in repr(window) and "github.com" not in repr(window)
    assert "Chromium" in repr(window)


# python-xlib leaves the sockets of a failed connection for the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_unreachable_display_is_one_clear_error() -> None:
    with pytest.raises(DisplayUnavailable, match="no X display"):
        X11WindowSource(f":{_unused_display_number()}")


def test_active_window_source_on_linux_is_x11(xvfb_display: XServer) -> None:
    window_source = active_window_source()
    try:
        assert isinstance(window_source, X11WindowSource)
    finally:
        if isinstance(window_source, X11WindowSource):
            window_source.close()


def test_lost_display_raises_display_unavailable(own_display: XServer) -> None:
    window_source = X11WindowSource(own_display.display)
    own_display.stop()
    with pytest.raises(DisplayUnavailable, match="lost the X display"):
        window_source.current()


def test_compound_text_decoding() -> None:
    assert decode_compound_text(b"caf\xe9") == "café"
    assert decode_compound_text(b"a \x1b%G\xe2\x80\x94\x1b%@ b\xb7") == "a — b·"
    assert decode_compound_text(b"x\x1b$(Bkanji\x1b(B y") == "x\ufffd y"


@given(st.binary(max_size=200))
def test_compound_text_decoding_never_raises(data: bytes) -> None:
    assert isinstance(decode_compound_text(data), str)


def test_importing_x11_source_needs_no_display() -> None:
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    code = "import collector.sources.x11_window, collector.sources.active_window"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
    assert result.returncode == 0, result.stderr


def _unused_display_number() -> int:
    number = 4242
    while Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
        number += 1
    return number
