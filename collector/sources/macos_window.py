"""The active window on macOS, through pyobjc (AppKit's NSWorkspace and Quartz).

The application is the frontmost application's localised name (``"Safari"``). The title
is the name of that application's frontmost on-screen window from
``CGWindowListCopyWindowInfo``; macOS shows window names only to processes granted the
Screen Recording permission, so without it the title is None.

Honest status: pyobjc is not installed here and this module has not been run; it is
type-checked with pyobjc treated as untyped, and kept small so it can be reviewed whole.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from activity.sites import describe_window
from activity.window import WindowInfo
from collector.errors import DisplayUnavailable


class MacOSWindowSource:
    """Reads the frontmost application and window of the current macOS session."""

    def __init__(self) -> None:
        self._appkit = _import("AppKit")
        self._quartz = _import("Quartz")

    def current(self) -> WindowInfo | None:
        """The frontmost application's window, or None when no application is frontmost."""
        app = self._appkit.NSWorkspace.sharedWorkspace().frontmostApplication()
        if app is None:
            return None
        name = str(app.localizedName() or "unknown")
        return describe_window(name, self._title(int(app.processIdentifier())))

    def close(self) -> None:
        """Nothing to release."""

    def _title(self, pid: int) -> str | None:
        quartz = self._quartz
        options = quartz.kCGWindowListOptionOnScreenOnly
        options |= quartz.kCGWindowListExcludeDesktopElements
        windows: Any = quartz.CGWindowListCopyWindowInfo(options, quartz.kCGNullWindowID) or []
        # Front to back; layer 0 holds ordinary windows (menus and overlays sit higher).
        for info in windows:
            if info.get("kCGWindowOwnerPID") == pid and info.get("kCGWindowLayer") == 0:
                title = info.get("kCGWindowName")
                return str(title) if title else None
        return None


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise DisplayUnavailable(
            f"cannot read the active window: {name} missing (pip install pyobjc)"
        ) from exc
