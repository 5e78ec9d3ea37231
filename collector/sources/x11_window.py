"""The active window on Linux/X11, read from EWMH properties with python-xlib.

``_NET_ACTIVE_WINDOW`` on the root window names the active window, but only while an EWMH
window manager runs: the manager sets ``_NET_SUPPORTING_WM_CHECK`` on the root window to a
child window that carries the same property pointing at itself. A manager that died leaves
both root properties behind, stale; the child window is then gone, so checking it tells a
live manager from a dead one. Without one, ``current()`` returns None.

The application is the class part of ``WM_CLASS`` (``"firefox"``, ``"Chromium"``); the
title is ``_NET_WM_NAME`` (UTF-8), or else ``WM_NAME`` (Latin-1 ``STRING`` or ISO 2022
``COMPOUND_TEXT``, as xterm sets it).
"""

from __future__ import annotations

import re
from typing import Any

from Xlib import X, Xatom, display, error

from activity.sites import describe_window
from activity.window import WindowInfo
from collector.errors import DisplayUnavailable
from collector.sources.base import ScreenRect, VisibleWindow

_UNKNOWN_APP = "unknown"
_ESCAPE = re.compile(rb"\x1b[\x20-\x2f]*[\x30-\x7e]")  # any ISO 2022 escape sequence
_LATIN1_ESCAPES = frozenset({b"\x1b%@", b"\x1b-A", b"\x1b(B"})
_UTF8_ESCAPE = b"\x1b%G"


class X11WindowSource:
    """Reads the active window of an X display; use from one thread.

    Raises ``DisplayUnavailable`` when the display cannot be opened, or when the
    connection is lost during ``current()``.
    """

    def __init__(self, display_name: str | None = None) -> None:
        try:
            self._display: Any = display.Display(display_name)
        except (error.DisplayError, OSError) as exc:
            raise DisplayUnavailable(
                "cannot read the active window: no X display (set DISPLAY)"
            ) from exc
        self._root: Any = self._display.screen().root
        atom = self._display.intern_atom
        self._wm_check = atom("_NET_SUPPORTING_WM_CHECK")
        self._active = atom("_NET_ACTIVE_WINDOW")
        self._net_wm_name = atom("_NET_WM_NAME")
        self._compound_text = atom("COMPOUND_TEXT")
        self._utf8_string = atom("UTF8_STRING")
        self._stacking = atom("_NET_CLIENT_LIST_STACKING")
        self._wm_state = atom("_NET_WM_STATE")
        self._hidden = atom("_NET_WM_STATE_HIDDEN")
        self._frame_extents = atom("_NET_FRAME_EXTENTS")

    def current(self) -> WindowInfo | None:
        """The active window, or None when no window is active or no EWMH manager runs."""
        try:
            window = self._active_window()
            if window is None:
                return None
            return describe_window(self._app(window), self._title(window))
        except error.XError:
            # The window (or the manager's check window) vanished between two requests.
            return None
        except (error.ConnectionClosedError, OSError) as exc:
            raise DisplayUnavailable("lost the X display while reading the active window") from exc

    def visible_windows(self) -> list[VisibleWindow] | None:
        """Every viewable, not minimised client window with its area, frame included.

        None when no EWMH manager runs or its client list is missing: the caller cannot
        know what is on screen and must not take a screenshot.
        """
        try:
            if not self._manager_running():
                return None
            prop = self._root.get_full_property(self._stacking, X.AnyPropertyType)
            if prop is None or prop.format != 32:
                return None
            found = (self._visible(int(window_id)) for window_id in prop.value)
            return [window for window in found if window is not None]
        except error.XError:
            return None  # the manager's check window vanished: treat as no manager
        except (error.ConnectionClosedError, OSError) as exc:
            raise DisplayUnavailable("lost the X display while listing windows") from exc

    def _visible(self, window_id: int) -> VisibleWindow | None:
        window = self._display.create_resource_object("window", window_id)
        try:
            if window.get_attributes().map_state != X.IsViewable or self._minimised(window):
                return None
            info = describe_window(self._app(window), self._title(window))
            return VisibleWindow(info, self._area(window))
        except error.XError:
            return None  # closed between the list and this request: no longer on screen

    def _minimised(self, window: Any) -> bool:
        prop = window.get_full_property(self._wm_state, Xatom.ATOM)
        return prop is not None and self._hidden in prop.value

    def _area(self, window: Any) -> ScreenRect:
        """The window's area in root coordinates, grown by its frame (the title shows there)."""
        size = window.get_geometry()
        origin = self._root.translate_coords(window, 0, 0)
        left, right, top, bottom = 0, 0, 0, 0
        prop = window.get_full_property(self._frame_extents, X.AnyPropertyType)
        if prop is not None and prop.format == 32 and len(prop.value) == 4:
            left, right, top, bottom = (int(v) for v in prop.value)
        return ScreenRect(
            int(origin.x) - left,
            int(origin.y) - top,
            int(size.width) + left + right,
            int(size.height) + top + bottom,
        )

    def close(self) -> None:
        """Close the connection to the display."""
        self._display.close()

    def __enter__(self) -> X11WindowSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _active_window(self) -> Any:
        if not self._manager_running():
            return None
        active = self._window_property(self._root, self._active)
        return None if active is None else self._display.create_resource_object("window", active)

    def _manager_running(self) -> bool:
        check_id = self._window_property(self._root, self._wm_check)
        if check_id is None:
            return False
        check = self._display.create_resource_object("window", check_id)
        return self._window_property(check, self._wm_check) == check_id

    def _window_property(self, window: Any, atom: int) -> int | None:
        prop = window.get_full_property(atom, X.AnyPropertyType)
        if prop is None or prop.format != 32 or len(prop.value) == 0 or not prop.value[0]:
            return None
        return int(prop.value[0])

    def _app(self, window: Any) -> str:
        prop = window.get_full_property(Xatom.WM_CLASS, X.AnyPropertyType)
        if prop is None or prop.format != 8:
            return _UNKNOWN_APP
        parts = [part for part in bytes(prop.value).split(b"\0") if part]
        return parts[-1].decode("latin-1") if parts else _UNKNOWN_APP

    def _title(self, window: Any) -> str | None:
        prop = window.get_full_property(self._net_wm_name, X.AnyPropertyType)
        if prop is not None and prop.format == 8 and len(prop.value):
            # EWMH says UTF8_STRING; whatever type a client wrote, the bytes are UTF-8.
            return _non_empty(bytes(prop.value).decode("utf-8", "replace"))
        prop = window.get_full_property(Xatom.WM_NAME, X.AnyPropertyType)
        if prop is None or prop.format != 8:
            return None
        data = bytes(prop.value)
        if prop.property_type == self._compound_text:
            return _non_empty(decode_compound_text(data))
        if prop.property_type == self._utf8_string:
            return _non_empty(data.decode("utf-8", "replace"))
        return _non_empty(data.decode("latin-1"))


def decode_compound_text(data: bytes) -> str:
    """Decode X11 ``COMPOUND_TEXT`` as clients write it: Latin-1 with UTF-8 segments.

    Segments in other ISO 2022 character sets (rare today) become U+FFFD; never raises.
    """
    out: list[str] = []
    encoding = "latin-1"
    position = 0
    for escape in _ESCAPE.finditer(data):
        out.append(_decode_segment(data[position : escape.start()], encoding))
        sequence = escape.group()
        if sequence == _UTF8_ESCAPE:
            encoding = "utf-8"
        elif sequence in _LATIN1_ESCAPES:
            encoding = "latin-1"
        else:
            encoding = "other"
        position = escape.end()
    out.append(_decode_segment(data[position:], encoding))
    return "".join(out)


def _decode_segment(segment: bytes, encoding: str) -> str:
    if encoding == "other":
        return "\ufffd" * bool(segment)
    return segment.decode(encoding, "replace")


def _non_empty(text: str) -> str | None:
    text = text.rstrip("\0")
    return text or None
