"""Object store in a local folder: the embedded default, unversioned."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from storage.errors import ObjectNotFound, ObjectStoreError
from storage.objects.base import ObjectStore, ObjectVersion, check_purge_prefix
from storage.objects.keys import RESERVED_TOP_SEGMENT, is_valid_key, validate_key, validate_prefix

# A temp file younger than this may belong to a put still running in another process.
STALE_TEMP_SECONDS = 3600.0


class LocalObjectStore(ObjectStore):
    """Objects as files under ``root``; every put is atomic (temp file, fsync, rename)."""

    def __init__(self, root: Path) -> None:
        self._root = Path(root).absolute()
        # Same filesystem as the objects, so that os.replace is an atomic rename.
        self._tmp = self._root / RESERVED_TOP_SEGMENT

    @property
    def url(self) -> str:
        """The ``file://`` URL of the root folder."""
        return self._root.as_uri()

    @property
    def root(self) -> Path:
        """The folder holding the objects."""
        return self._root

    def put(self, key: str, data: bytes) -> str | None:
        """Write ``data`` under ``key`` so that readers see the old or the new object only."""
        path = self._root / validate_key(key)
        try:
            self._make_dirs(self._tmp)
            self._make_dirs(path.parent)
            fd, tmp_name = tempfile.mkstemp(prefix="put-", suffix=".part", dir=self._tmp)
        except OSError as exc:
            raise self._write_error(exc) from exc
        try:
            with os.fdopen(fd, "wb") as tmp_file:
                tmp_file.write(data)
                tmp_file.flush()
                os.fsync(tmp_file.fileno())
            self._replace_into(Path(tmp_name), path)
        except OSError as exc:
            _unlink_quietly(Path(tmp_name))
            raise self._write_error(exc) from exc
        return None

    def get(self, key: str, version_id: str | None = None) -> bytes:
        """Return the object under ``key``; a folder keeps no versions but the current one."""
        path = self._root / validate_key(key)
        if version_id is not None:
            raise ObjectNotFound("the folder object store keeps no object versions")
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(f"no object under that key in {self.url}") from exc
        except OSError as exc:
            raise ObjectStoreError(
                f"cannot read from object folder {self._root} ({exc.strerror}); "
                "check its permissions"
            ) from exc

    def exists(self, key: str) -> bool:
        """Tell whether a file exists under ``key``."""
        return (self._root / validate_key(key)).is_file()

    def delete(self, key: str) -> None:
        """Remove the file under ``key``, if any."""
        path = self._root / validate_key(key)
        try:
            path.unlink(missing_ok=True)
        except IsADirectoryError:
            return
        except OSError as exc:
            raise ObjectStoreError(
                f"cannot delete from object folder {self._root} ({exc.strerror}); "
                "check its permissions"
            ) from exc

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Yield the keys under ``prefix``, sorted; temp files are never listed."""
        return iter(self._sorted_keys(validate_prefix(prefix)))

    def list_versions(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """Yield the current objects as versions with no id (the folder is unversioned)."""
        keys = self._sorted_keys(validate_prefix(prefix))
        return (self._version_of(key) for key in keys)

    def purge(self, prefix: str) -> int:
        """Remove every object under ``prefix`` and stale temp files; return the count."""
        check_purge_prefix(prefix)
        removed = 0
        for key in self._sorted_keys(prefix):
            try:
                (self._root / key).unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise ObjectStoreError(
                    f"cannot purge from object folder {self._root} ({exc.strerror}); "
                    "check its permissions"
                ) from exc
            removed += 1
        _remove_empty_dirs(self._root / prefix.rstrip("/"))
        self.clean_temp()
        return removed

    def clean_temp(self, older_than: float = STALE_TEMP_SECONDS) -> int:
        """Remove temp files left by interrupted puts, older than ``older_than`` seconds."""
        cutoff = time.time() - older_than
        removed = 0
        try:
            entries = list(os.scandir(self._tmp))
        except FileNotFoundError:
            return 0
        for entry in entries:
            try:
                if entry.is_file() and entry.stat().st_mtime <= cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def _sorted_keys(self, prefix: str) -> list[str]:
        # Walk only the deepest folder the prefix names, then filter by plain string prefix
        # so that a partial segment matches as it does on S3.
        start = self._root / prefix.rpartition("/")[0]
        keys: list[str] = []
        for dirpath, dirnames, filenames in os.walk(start, onerror=self._raise_list_error):
            if Path(dirpath) == self._root and RESERVED_TOP_SEGMENT in dirnames:
                dirnames.remove(RESERVED_TOP_SEGMENT)
            for name in filenames:
                key = (Path(dirpath) / name).relative_to(self._root).as_posix()
                if key.startswith(prefix) and is_valid_key(key):
                    keys.append(key)
        return sorted(keys)

    def _raise_list_error(self, exc: OSError) -> None:
        if not isinstance(exc, FileNotFoundError | NotADirectoryError):
            raise ObjectStoreError(
                f"cannot list object folder {self._root} ({exc.strerror}); check its permissions"
            ) from exc

    def _version_of(self, key: str) -> ObjectVersion:
        try:
            size = (self._root / key).stat().st_size
        except OSError:
            size = 0
        return ObjectVersion(key, None, is_latest=True, is_delete_marker=False, size=size)

    def _replace_into(self, tmp_path: Path, path: Path) -> None:
        try:
            os.replace(tmp_path, path)
        except FileNotFoundError:
            # A concurrent purge may have pruned the now-empty parent folder: recreate it once.
            self._make_dirs(path.parent)
            os.replace(tmp_path, path)
        _fsync_dir(path.parent)

    def _make_dirs(self, folder: Path) -> None:
        # fsync each parent whose entry we add, so a new folder survives a power cut.
        missing: list[Path] = []
        while not folder.is_dir():
            missing.append(folder)
            folder = folder.parent
        for new_dir in reversed(missing):
            new_dir.mkdir(exist_ok=True)
            _fsync_dir(new_dir.parent)

    def _write_error(self, exc: OSError) -> ObjectStoreError:
        return ObjectStoreError(
            f"cannot write to object folder {self._root} ({exc.strerror or type(exc).__name__}); "
            "make sure it is a writable folder or set TRAQ_OBJECT_STORE"
        )


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def _remove_empty_dirs(top: Path) -> None:
    if not top.is_dir():
        return
    for dirpath, _dirnames, _filenames in os.walk(top, topdown=False):
        try:
            os.rmdir(dirpath)
        except OSError:
            continue
