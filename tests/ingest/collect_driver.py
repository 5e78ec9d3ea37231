"""`traq collect ARGS` with scripted sources instead of a display, in a child process.

    python -m tests.ingest.collect_driver ARGS...

Everything but the sources is the real command: argument parsing, the HTTPS sink from the
environment, signal handling, the pipeline, the summary and the exit code.
"""

from __future__ import annotations

import functools
import sys

import collector.run
from activity.window import WindowInfo
from collector.pipeline.sources import SystemSources
from collector.sources.base import InputCounts
from traq.main import main

APP, TITLE = "Editor", "notes.txt - Editor"


class BusyCounter:
    """Some input every second, so that the person never turns idle."""

    def take(self) -> InputCounts:
        """One second's counts."""
        return InputCounts(3, 1, 20, 0)


class FixedWindow:
    """Always the same window."""

    def __init__(self, app: str = APP, title: str = TITLE) -> None:
        self.app, self.title = app, title

    def current(self) -> WindowInfo:
        """The active window."""
        return WindowInfo(self.app, self.title, None)


def scripted(_grab_screen: bool, window: FixedWindow | None = None) -> SystemSources:
    """Busy input in one window, no screenshots."""
    return SystemSources(BusyCounter(), window or FixedWindow(), None)


if __name__ == "__main__":
    collector.run.run_collector = functools.partial(
        collector.run.run_collector, open_sources=scripted
    )
    sys.exit(main(["collect", *sys.argv[1:]]))
