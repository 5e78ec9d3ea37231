"""Picks the active-window source of the running platform.

Each platform module is imported only here, when chosen, so that importing
``collector.sources`` loads no platform library.
"""

from __future__ import annotations

import sys

from activity.window import WindowInfo
from collector.errors import DisplayUnavailable
from collector.sources.base import ActiveWindowSource

__all__ = ["ActiveWindowSource", "WindowInfo", "active_window_source"]


def active_window_source() -> ActiveWindowSource:
    """The active-window source for this platform: X11, Windows or macOS.

    Raises ``DisplayUnavailable`` when the platform has no usable display (no X display
    on Linux, pyobjc missing on macOS, or an unsupported platform).
    """
    if sys.platform == "win32":
        from collector.sources.windows_window import WindowsWindowSource

        return WindowsWindowSource()
    if sys.platform == "darwin":
        from collector.sources.macos_window import MacOSWindowSource

        return MacOSWindowSource()
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        from collector.sources.x11_window import X11WindowSource

        return X11WindowSource()
    raise DisplayUnavailable(f"no active-window source for platform {sys.platform!r}")
