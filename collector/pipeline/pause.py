"""The local pause flag: a file ``paused`` in the spool folder that a person at the machine sets.

The workbench's pause is a flag on the person (``people.tracking_paused``) that reaches every
device of theirs through the policy watcher (``Directive.paused``) within a check interval;
this file pauses one machine at once. Either one pauses capture.

While the file exists the collector captures nothing (input is counted by the listener
but discarded every second, no window is read, no screenshot is taken) and the time is
not work time. Removing the file resumes capture within a second.
"""

from __future__ import annotations

from pathlib import Path

PAUSE_FILE = "paused"


class PauseFlag:
    """The pause file of one spool folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / PAUSE_FILE

    def is_set(self) -> bool:
        """True while capture is paused."""
        return self.path.exists()

    def set(self) -> None:
        """Pause capture."""
        self.path.touch()

    def clear(self) -> None:
        """Resume capture."""
        self.path.unlink(missing_ok=True)
