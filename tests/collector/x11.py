"""X display fixtures (a pytest plugin): a real Xvfb server, openbox, xterm windows, xdotool.

- ``xvfb_display`` (session): an Xvfb server at 1920x1080x24 on a free display number,
  with ``DISPLAY`` pointing at it for the session (restored afterwards).
- ``window_manager`` (session): openbox on that display, ready once it has set
  ``_NET_SUPPORTING_WM_CHECK``; needed for ``_NET_ACTIVE_WINDOW``.
- ``open_window`` (per test): a factory ``open_window(title, wm_class, ...) -> window id``
  that maps a real xterm and closes it after the test.
- ``xdotool(*args)``: run xdotool on the current display; real input through XTEST.

``start_xvfb`` and ``start_openbox`` serve tests that need a display of their own (one
without a window manager, or one whose manager they kill). A missing binary fails on CI
and skips elsewhere (``tests.fixtures.rigs.missing_rig``).
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.fixtures.rigs import missing_rig

SCREEN_SIZE = (1920, 1080)
# -noreset: by default the server resets when its last client leaves, and a client that
# connects meanwhile (a listener between two tests) is dropped.
_XVFB_COMMAND = ("Xvfb", "-screen", "0", "1920x1080x24", "-nolisten", "tcp", "-noreset")
_START_TIMEOUT = 20.0
_CLASS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
OpenWindow = Callable[..., int]


@dataclass
class XServer:
    """A running Xvfb server and its display name (``":N"``)."""

    display: str
    process: subprocess.Popen[bytes]
    children: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> None:
        """Stop every process started on this display, then the server."""
        for child in [*self.children, self.process]:
            _terminate(child)


def require(*programs: str) -> None:
    """Fail on CI, skip elsewhere, unless every program is on PATH."""
    missing = [name for name in programs if shutil.which(name) is None]
    if missing:
        missing_rig(
            f"{', '.join(missing)} not installed "
            "(apt-get install -y xvfb xdotool x11-utils xterm openbox)"
        )


def start_xvfb(log_path: Path | None = None, extra_args: tuple[str, ...] = ()) -> XServer:
    """Start Xvfb on a display number it picks itself, and wait until it accepts clients.

    ``extra_args`` go to Xvfb, e.g. ``("-extension", "RECORD")`` to disable one.
    """
    require("Xvfb", "xdpyinfo")
    read_fd, write_fd = os.pipe()
    try:
        with open(log_path or os.devnull, "ab") as log:
            # -displayfd: Xvfb takes the first free display number and writes it to the
            # pipe, so concurrent test runs never race for one.
            process = subprocess.Popen(
                [*_XVFB_COMMAND, *extra_args, "-displayfd", str(write_fd)],
                pass_fds=(write_fd,),
                stdout=log,
                stderr=log,
            )
    finally:
        os.close(write_fd)
    try:
        server = XServer(f":{_read_display_number(read_fd)}", process)
        _wait_until(lambda: _accepts_clients(server.display), "Xvfb to accept clients")
    except BaseException:
        _terminate(process)
        raise
    finally:
        os.close(read_fd)
    return server


def start_openbox(server: XServer) -> subprocess.Popen[bytes]:
    """Start openbox on ``server`` and wait until it advertises itself (EWMH)."""
    require("openbox")
    process = subprocess.Popen(
        ["openbox", "--sm-disable"],
        env={**os.environ, "DISPLAY": server.display},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server.children.append(process)
    _wait_until(lambda: wm_alive(server.display), "openbox to start")
    return process


def wm_check_window(display: str) -> int | None:
    """The root window's ``_NET_SUPPORTING_WM_CHECK`` value (stale or not), or None."""
    return _window_property(display, None, "_NET_SUPPORTING_WM_CHECK")


def wm_alive(display: str) -> bool:
    """True if an EWMH manager runs: its check window exists and points at itself."""
    check = wm_check_window(display)
    if check is None:
        return False
    try:
        return _window_property(display, check, "_NET_SUPPORTING_WM_CHECK") == check
    except Exception:  # BadWindow: the manager is gone, its root property stale
        return False


def _window_property(display: str, window_id: int | None, name: str) -> int | None:
    from Xlib import X
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display)
    try:
        window = (
            connection.screen().root
            if window_id is None
            else connection.create_resource_object("window", window_id)
        )
        prop = window.get_full_property(connection.intern_atom(name), X.AnyPropertyType)
        return int(prop.value[0]) if prop is not None and len(prop.value) else None
    finally:
        connection.close()


def window_geometry(window_id: int) -> tuple[int, int, int, int]:
    """``(x, y, width, height)`` of a window's inside, in root window coordinates.

    Not xdotool's getwindowgeometry: under a reparenting manager it counts the frame twice.
    """
    from Xlib import display as xdisplay

    connection = xdisplay.Display()
    try:
        window = connection.create_resource_object("window", window_id)
        size = window.get_geometry()
        origin = connection.screen().root.translate_coords(window, 0, 0)
        return int(origin.x), int(origin.y), int(size.width), int(size.height)
    finally:
        connection.close()


def xdotool(*args: str, timeout: float = 30.0) -> str:
    """Run ``xdotool`` with ``args`` on ``$DISPLAY`` and return its output."""
    require("xdotool")
    result = subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"xdotool {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


@contextlib.contextmanager
def x_window(
    title: str,
    wm_class: str,
    *,
    background: str | None = None,
    geometry: str | None = None,
) -> Iterator[int]:
    """Map an xterm titled ``title`` with WM_CLASS class ``wm_class``; yield its window id.

    Yields once the window is viewable. ``geometry`` is xterm's (columns x rows + x + y).
    The terminal runs ``sleep`` with echo off, so input typed into it goes nowhere. With
    ``background`` the whole window (text and cursor too) is that colour.
    """
    require("xterm", "xdotool")
    command = _xterm_command(title, wm_class, background, geometry)
    # A UTF-8 locale makes xterm keep non-Latin-1 titles (COMPOUND_TEXT with UTF-8 parts).
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        found = xdotool(
            "search", "--sync", "--onlyvisible", "--all", "--pid", str(process.pid),
            "--class", f"^{wm_class}$",
            timeout=_START_TIMEOUT,
        )  # fmt: skip
        yield int(found.split()[0])
    finally:
        _terminate(process)


@pytest.fixture(scope="session")
def xvfb_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XServer]:
    """An Xvfb server for the session, with DISPLAY set to it meanwhile."""
    server = start_xvfb(tmp_path_factory.mktemp("xvfb") / "xvfb.log")
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = server.display
    try:
        yield server
    finally:
        if previous is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = previous
        server.stop()


@pytest.fixture(scope="session")
def window_manager(xvfb_display: XServer) -> subprocess.Popen[bytes]:
    """openbox running on the session display (stopped with the display)."""
    return start_openbox(xvfb_display)


@pytest.fixture
def open_window(xvfb_display: XServer) -> Iterator[OpenWindow]:
    """A factory ``open_window(title, wm_class, background=, geometry=) -> window id``."""
    with contextlib.ExitStack() as stack:

        def open_one(title: str, wm_class: str, **options: str) -> int:
            return stack.enter_context(x_window(title, wm_class, **options))

        yield open_one


def _xterm_command(
    title: str, wm_class: str, background: str | None, geometry: str | None
) -> list[str]:
    if not _CLASS_NAME.match(wm_class):
        raise ValueError("wm_class must be 1-64 letters, digits, '_' or '-'")
    command = ["xterm", "-T", title, "-class", wm_class]
    if background:
        command += ["-bg", background, "-fg", background, "-cr", background]
    if geometry:
        command += ["-geometry", geometry]
    return [*command, "-e", "sh", "-c", "stty -echo; exec sleep 3600"]


def _read_display_number(read_fd: int) -> int:
    ready, _, _ = select.select([read_fd], [], [], _START_TIMEOUT)
    text = os.read(read_fd, 64).decode().strip() if ready else ""
    if not text.isdigit():
        raise RuntimeError("Xvfb did not report its display number (see xvfb.log)")
    return int(text)


def _accepts_clients(display: str) -> bool:
    result = subprocess.run(
        ["xdpyinfo", "-display", display], capture_output=True, timeout=10, check=False
    )
    return result.returncode == 0


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if condition():
                return
        time.sleep(0.05)
    raise RuntimeError(f"timed out after {_START_TIMEOUT:.0f} s waiting for {what}")


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
