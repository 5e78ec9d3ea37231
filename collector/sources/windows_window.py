"""The active window on Windows, through the Win32 API with ctypes (no extra package).

``GetForegroundWindow`` names the active window, ``GetWindowTextW`` gives its title, and
the owning process's image name (``chrome.exe``) is the application. A process we may not
query (elevated, protected) gives the application ``"unknown"``, and Store (UWP) apps all
show as ``ApplicationFrameHost.exe``, as in ActivityWatch's Windows watcher.

Honest status: this module is type-checked (``mypy --platform win32``) but has not been
run here, where only Linux/X11 is available; it is kept small so it can be reviewed whole.
"""

from __future__ import annotations

import sys

from activity.sites import describe_window
from activity.window import WindowInfo
from collector.errors import DisplayUnavailable

_PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
_MAX_PATH = 32_768
_UNKNOWN_APP = "unknown"


class WindowsWindowSource:
    """Reads the foreground window of the current Windows desktop."""

    def __init__(self) -> None:
        if sys.platform != "win32":
            raise DisplayUnavailable("the Windows window source runs only on Windows")

    def current(self) -> WindowInfo | None:
        """The foreground window, or None when no window has the focus."""
        if sys.platform != "win32":
            raise DisplayUnavailable("the Windows window source runs only on Windows")
        import ctypes
        from ctypes import wintypes

        user32 = ctypes.WinDLL("user32", use_last_error=True)
        hwnd = user32.GetForegroundWindow()
        if not hwnd:
            return None
        length = user32.GetWindowTextLengthW(hwnd)
        buffer = ctypes.create_unicode_buffer(length + 1)
        user32.GetWindowTextW(hwnd, buffer, length + 1)
        pid = wintypes.DWORD()
        user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        return describe_window(_process_name(pid.value), buffer.value or None)

    def close(self) -> None:
        """Nothing to release: every call opens and closes its own handles."""


def _process_name(pid: int) -> str:
    """The image file name of process ``pid`` (``chrome.exe``), or ``"unknown"``."""
    if sys.platform != "win32":
        return _UNKNOWN_APP
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return _UNKNOWN_APP
    try:
        size = wintypes.DWORD(_MAX_PATH)
        path = ctypes.create_unicode_buffer(_MAX_PATH)
        if not kernel32.QueryFullProcessImageNameW(handle, 0, path, ctypes.byref(size)):
            return _UNKNOWN_APP
        return path.value.rsplit("\\", 1)[-1] or _UNKNOWN_APP
    finally:
        kernel32.CloseHandle(handle)
