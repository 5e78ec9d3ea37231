"""Sealed screenshot files in the spool: atomic writes, recovery after a crash.

A file is written to a temporary name, flushed and fsynced, then renamed into place and
the folder fsynced: a reader sees a complete envelope or nothing. A crash leaves at most
a ``.part`` file, which ``recover`` deletes. The final name carries the metadata the
spool row holds (person, device, time, size, blur), so a file whose row was never
committed is adopted again instead of being lost.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from storage.crypto.envelope import MAX_HEADER_SIZE, read_header
from storage.errors import InvalidToken

_NAME_RE = re.compile(r"p(\d+)-d(\d+)-t(\d+)-(\d+)x(\d+)-b([01])\.tqe")
_TEMP_SUFFIX = ".part"
_MIN_BODY_SIZE = 12 + 48 + 12 + 16  # wrap nonce, wrapped key, body nonce, tag (TQE v1)


@dataclass(frozen=True)
class ScreenshotName:
    """Identity and metadata of one spooled screenshot, as encoded in its file name."""

    person_id: int
    device_id: int
    taken_at: int
    width: int
    height: int
    blurred: bool

    @property
    def file_name(self) -> str:
        """The file's name in the spool's screenshot folder."""
        return (
            f"p{self.person_id}-d{self.device_id}-t{self.taken_at}-"
            f"{self.width}x{self.height}-b{int(self.blurred)}.tqe"
        )

    @classmethod
    def parse(cls, file_name: str) -> ScreenshotName | None:
        """The metadata in ``file_name``, or None if it is not a spooled screenshot."""
        match = _NAME_RE.fullmatch(file_name)
        if match is None:
            return None
        person, device, taken, width, height, blurred = match.groups()
        return cls(int(person), int(device), int(taken), int(width), int(height), blurred == "1")


class ScreenshotFiles:
    """The folder of sealed screenshots waiting for upload."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def write(self, name: ScreenshotName, envelope: bytes) -> Path:
        """Write ``envelope`` atomically under ``name``; return the final path."""
        final = self.folder / name.file_name
        fd, temp = tempfile.mkstemp(prefix=".shot-", suffix=_TEMP_SUFFIX, dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(envelope)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, final)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        self._sync_folder()
        return final

    def read(self, name: ScreenshotName) -> bytes:
        """The envelope stored under ``name`` (FileNotFoundError if it is gone)."""
        return (self.folder / name.file_name).read_bytes()

    def delete(self, name: ScreenshotName) -> None:
        """Remove the file of ``name``, if it is there."""
        (self.folder / name.file_name).unlink(missing_ok=True)

    def recover(self) -> list[ScreenshotName]:
        """Delete torn temp files and unreadable files; return the complete screenshots."""
        complete: list[ScreenshotName] = []
        for path in self._entries():
            name = ScreenshotName.parse(path.name)
            if name is not None and _is_envelope(path):
                complete.append(name)
            else:
                path.unlink(missing_ok=True)
        return sorted(complete, key=lambda n: (n.taken_at, n.person_id, n.device_id))

    def _entries(self) -> Iterator[Path]:
        return (path for path in self.folder.iterdir() if path.is_file())

    def _sync_folder(self) -> None:
        # Why: the rename itself must reach the disk, or a power cut could undo it.
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _is_envelope(path: Path) -> bool:
    """A parseable header and at least the nonces, wrapped key and tag after it."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = read_header(handle.read(MAX_HEADER_SIZE))
    except (OSError, InvalidToken, ValueError):
        return False
    header_size = 7 + len(header.key_id) + len(header.object_id.encode()) + 32
    return size >= header_size + _MIN_BODY_SIZE
