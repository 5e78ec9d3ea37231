"""The device token file: where the ingestion service is and the bearer token it issued.

Written once at enrolment (atomically, mode 0600) and read at every start. It holds the
token, the service URL and the ids the token is bound to, never a database or bucket
credential.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from collector.errors import CollectorConfigError

TOKEN_FILE = "device-token.json"


@dataclass(frozen=True)
class DeviceToken:
    """An enrolled device: service URL, bearer token, and whose device it is."""

    url: str
    token: str
    device_id: int
    person_id: int
    pseudonym: str

    def __repr__(self) -> str:  # never print the token itself
        return f"DeviceToken(url={self.url!r}, device_id={self.device_id})"


def load_token(path: Path) -> DeviceToken:
    """The token in ``path``; CollectorConfigError saying how to enrol if there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        token = DeviceToken(**data)
    except FileNotFoundError:
        raise CollectorConfigError(
            f"no device token at {path}; enrol first: traq collect --enrol CODE"
        ) from None
    except (OSError, TypeError, ValueError) as exc:
        raise CollectorConfigError(
            f"device token file {path} is unreadable or malformed; enrol again"
        ) from exc
    if not all(isinstance(v, str) for v in (token.url, token.token, token.pseudonym)):
        raise CollectorConfigError(f"device token file {path} is malformed; enrol again")
    return token


def save_token(path: Path, token: DeviceToken) -> None:
    """Write ``path`` atomically, readable by this user only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkstemp creates the file with mode 0600 already.
    fd, temp = tempfile.mkstemp(prefix=".token-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(token), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
