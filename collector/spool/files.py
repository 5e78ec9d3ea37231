"""Sealed screenshot files in the spool: atomic writes, recovery after a crash.

A file is written in two steps (or both at once by ``write``). ``stage`` writes it under
a temporary name (the page cache only: fast enough for the capture thread);
``commit_staged`` later fsyncs every staged file, renames each into place and fsyncs the
folder once, so one folder sync serves a whole batch (issue 3). A reader sees a complete
envelope under its final name or nothing. A crash leaves at most ``.part`` files, which
``recover`` deletes: what was staged but not committed is lost, like any sample not yet
flushed. The final name carries the metadata the spool row holds (person, device, time,
size, blur), so a file whose row was never committed is adopted again, not lost.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from activity.records import ScreenshotMeta
from storage.crypto.envelope import MAX_HEADER_SIZE, read_header
from storage.errors import InvalidToken

# ASCII digits only, and few enough that every id fits an SQLite INTEGER.
_NAME_RE = re.compile(
    r"p([0-9]{1,18})-d([0-9]{1,18})-t([0-9]{1,18})-([0-9]{1,9})x([0-9]{1,9})-b([01])\.tqe"
)
_TEMP_SUFFIX = ".part"
_MIN_BODY_SIZE = 12 + 48 + 12 + 16  # wrap nonce, wrapped key, body nonce, tag (TQE v1)


@dataclass(frozen=True)
class ScreenshotName(ScreenshotMeta):
    """Identity and metadata of one spooled screenshot, as encoded in its file name."""

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
        name = cls(int(person), int(device), int(taken), int(width), int(height), blurred == "1")
        # Only our own spelling ("p01" is not "p1"): the name must find its file again.
        return name if name.file_name == file_name else None


@dataclass(frozen=True)
class _Staged:
    """A screenshot written to a temporary file, waiting for its commit."""

    name: ScreenshotName
    temp: Path


class ScreenshotFiles:
    """The folder of sealed screenshots waiting for upload."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._staged: list[_Staged] = []

    def write(self, name: ScreenshotName, envelope: bytes) -> Path:
        """Write ``envelope`` atomically and durably under ``name``; return the final path."""
        staged = self._write_temp(name, envelope)
        try:
            self._commit([staged])
        except BaseException:
            staged.temp.unlink(missing_ok=True)
            raise
        return self.folder / name.file_name

    def stage(self, name: ScreenshotName, envelope: bytes) -> None:
        """Write ``envelope`` to a temp file: neither durable nor visible as ``name`` yet."""
        self._staged.append(self._write_temp(name, envelope))

    def commit_staged(self) -> list[ScreenshotName]:
        """Make the staged files durable and final; return their names.

        On an error the files not yet renamed stay staged; one renamed but not listed
        is adopted by ``recover`` at the next start.
        """
        staged, self._staged = self._staged, []
        try:
            self._commit(staged)
        except BaseException:
            self._staged = [item for item in staged if item.temp.exists()] + self._staged
            raise
        return [item.name for item in staged]

    def discard_staged(self) -> None:
        """Delete the staged files (a run that ends without writing them)."""
        for item in self._staged:
            item.temp.unlink(missing_ok=True)
        self._staged.clear()

    def _write_temp(self, name: ScreenshotName, envelope: bytes) -> _Staged:
        fd, temp = tempfile.mkstemp(prefix=".shot-", suffix=_TEMP_SUFFIX, dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(envelope)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return _Staged(name, Path(temp))

    def _commit(self, staged: list[_Staged]) -> None:
        """Fsync each file, rename it into place, then fsync the folder once."""
        for item in staged:
            # "ab": Windows' fsync (_commit) needs a handle open for writing.
            with item.temp.open("ab") as handle:
                os.fsync(handle.fileno())
            os.replace(item.temp, self.folder / item.name.file_name)
        if staged:
            self._sync_folder()

    def read(self, name: ScreenshotName) -> bytes:
        """The envelope stored under ``name`` (FileNotFoundError if it is gone)."""
        return (self.folder / name.file_name).read_bytes()

    def delete(self, name: ScreenshotName) -> None:
        """Remove the file of ``name``, if it is there."""
        (self.folder / name.file_name).unlink(missing_ok=True)

    def move(self, name: ScreenshotName, folder: Path) -> None:
        """Move the file of ``name`` into ``folder`` (created private), if it is there.

        No fsync: should a crash undo the rename, ``recover`` lists the file again.
        """
        folder.mkdir(mode=0o700, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.folder / name.file_name, folder / name.file_name)

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
        if sys.platform == "win32":
            return  # a folder cannot be opened there; NTFS journals the rename itself
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
