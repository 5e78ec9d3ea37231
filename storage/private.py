"""Files and folders TraqNext creates are private to their owner (0600 files, 0700 folders).

The database holds password hashes, names and e-mails; the data folder holds key files,
spools and exports. A process-wide umask covers every writer at once (SQLite's database and
its -wal/-shm files, the local object store, the lake, rights exports) instead of a chmod
after each write, which would leave a window where the file is readable. ``tighten`` fixes
an installation made before this rule; ``too_open`` is what `traq doctor` reports.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077  # group and others get nothing


def private_umask() -> None:
    """Make every file and folder this process creates from now on private to its owner."""
    if os.name == "posix":  # Windows ignores group and other bits
        os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)


def _exposed(path: Path) -> bool:
    mode = path.lstat().st_mode
    return not stat.S_ISLNK(mode) and bool(mode & PRIVATE_UMASK)


def too_open(folder: Path) -> list[Path]:
    """``folder`` and the entries directly in it that group or others may read or enter.

    One level suffices: nobody else can reach deeper once the folder itself is 0700.
    """
    if os.name != "posix" or not folder.exists():
        return []
    return [path for path in (folder, *sorted(folder.iterdir())) if _exposed(path)]


def tighten(folder: Path) -> int:
    """Remove group and other bits from ``folder`` and its entries; return how many changed."""
    paths = too_open(folder)
    for path in paths:
        path.chmod(stat.S_IMODE(path.lstat().st_mode) & ~PRIVATE_UMASK)
    return len(paths)
