"""This device's identity (``device.json``) and the lock that allows one collector per spool.

``device.json`` says whose device this is and caches what the collector needs to keep
capturing while storage is unreachable: the person's public key (never a private one) and
the last policy seen. It holds ids and a public key only, no name or e-mail address.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from collector.errors import SpoolBusy, SpoolCorrupt

DEVICE_FILE = "device.json"
LOCK_FILE = "collector.lock"


def spool_dir(env: Mapping[str, str], data_dir: Path) -> Path:
    """This device's spool folder: ``TRAQ_SPOOL_DIR``, or ``spool`` in the data folder."""
    return Path(env.get("TRAQ_SPOOL_DIR") or data_dir / "spool").expanduser().resolve()


@dataclass(frozen=True)
class DeviceIdentity:
    """Whose device this is, and the last state known for offline starts."""

    pseudonym: str
    person_id: int
    device_id: int
    key_id: str
    public_key: bytes
    timezone: str
    consent: str = "given"
    objected: bool = False
    restricted: bool = False
    policies: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialise, with the public key in base64."""
        data = asdict(self)
        data["public_key"] = base64.b64encode(self.public_key).decode("ascii")
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> DeviceIdentity:
        """Parse what ``to_json`` wrote; SpoolCorrupt if it is not that."""
        try:
            data = json.loads(text)
            data["public_key"] = base64.b64decode(data["public_key"], validate=True)
            identity = cls(**data)
        except (KeyError, TypeError, ValueError, RecursionError) as exc:
            raise _malformed() from exc
        if not _well_typed(identity):
            raise _malformed()
        return identity


def load_identity(folder: Path) -> DeviceIdentity | None:
    """The identity stored in ``folder``, or None before the first run."""
    path = folder / DEVICE_FILE
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _malformed() from exc
    return DeviceIdentity.from_json(text)


def _malformed() -> SpoolCorrupt:
    return SpoolCorrupt(f"{DEVICE_FILE} is malformed; delete it to register the device again")


def _well_typed(identity: DeviceIdentity) -> bool:
    """Every field of the JSON type it was written with (an int is never a bool)."""
    for name, kind in _FIELD_TYPES.items():
        value = getattr(identity, name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return False
    return True


_FIELD_TYPES: dict[str, type] = {
    "pseudonym": str,
    "person_id": int,
    "device_id": int,
    "key_id": str,
    "public_key": bytes,
    "timezone": str,
    "consent": str,
    "objected": bool,
    "restricted": bool,
    "policies": dict,
}


def save_identity(folder: Path, identity: DeviceIdentity) -> None:
    """Replace ``device.json`` atomically."""
    fd, temp = tempfile.mkstemp(prefix=".device-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(identity.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, folder / DEVICE_FILE)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class SpoolLock:
    """An exclusive lock on the spool; the system releases it if the process dies.

    ``flock`` on POSIX, ``msvcrt.locking`` (a byte-range lock on the first byte) on
    Windows: both are dropped by the kernel with the process, so a ``kill -9`` never
    leaves a stale lock behind.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(self._fd)
        except OSError:  # BlockingIOError (POSIX) or PermissionError (Windows)
            os.close(self._fd)
            raise SpoolBusy(
                f"another collector is running on {folder}; stop it or set TRAQ_SPOOL_DIR"
            ) from None

    def release(self) -> None:
        """Let another collector take the spool."""
        _unlock(self._fd)
        os.close(self._fd)


if sys.platform == "win32":
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
