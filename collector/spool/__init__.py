"""The durable local spool: SQLite in WAL mode plus sealed screenshot files.

What is captured lands here first and leaves only when a sink confirmed it. The spool
never holds a plaintext title (titles are sealed to the person's public key before they
arrive) nor which key was pressed (only counts exist), and it survives ``kill -9``: every
write is one committed transaction, every screenshot file appears by atomic rename.
"""

from collector.spool.files import ScreenshotFiles, ScreenshotName
from collector.spool.records import PendingScreenshot, SealedSpan, SpoolCounts
from collector.spool.store import Spool

__all__ = [
    "PendingScreenshot",
    "ScreenshotFiles",
    "ScreenshotName",
    "SealedSpan",
    "Spool",
    "SpoolCounts",
]
