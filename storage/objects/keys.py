"""Object keys: safe relative paths that carry pseudonymous ids only.

A key is a ``/``-separated path of segments made of ``[A-Za-z0-9._=-]``; it can never climb
out of the store (no ``.`` or ``..`` segment, no leading ``/``) and never names a person:
screenshot keys are built from a pseudonym (``s_`` + 16 lowercase hex digits), not a name or
an e-mail address. Error messages describe the rule broken, never the offending key, since a
rejected key may well be the personal data it must not contain.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from storage.errors import InvalidObjectKey

MAX_KEY_LENGTH = 512
SEGMENT_RE = re.compile(r"[A-Za-z0-9._=-]+")
PSEUDONYM_RE = re.compile(r"s_[0-9a-f]{16}")
# The folder backend keeps its in-flight writes there; reserving it for both backends keeps
# their key spaces identical.
RESERVED_TOP_SEGMENT = ".tmp"


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a safe object key, else raise InvalidObjectKey."""
    if not isinstance(key, str) or not key:
        raise InvalidObjectKey("object key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidObjectKey(f"object key is longer than {MAX_KEY_LENGTH} characters")
    if key.startswith("/"):
        raise InvalidObjectKey("object key must be a relative path, not start with '/'")
    segments = key.split("/")
    for segment in segments:
        if not segment:
            raise InvalidObjectKey("object key has an empty segment ('//' or a trailing '/')")
        if segment in (".", ".."):
            raise InvalidObjectKey("object key must not contain '.' or '..' segments")
        if not SEGMENT_RE.fullmatch(segment):
            raise InvalidObjectKey("object key segments may only use A-Z a-z 0-9 . _ = -")
    if segments[0] == RESERVED_TOP_SEGMENT:
        raise InvalidObjectKey(f"object keys under '{RESERVED_TOP_SEGMENT}/' are reserved")
    return key


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is empty or a key, optionally ending with ``/``."""
    if prefix == "":
        return prefix
    if not isinstance(prefix, str):
        raise InvalidObjectKey("object key prefix must be a string")
    validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def is_valid_key(key: str) -> bool:
    """Tell whether ``key`` is a valid object key, without raising."""
    try:
        validate_key(key)
    except InvalidObjectKey:
        return False
    return True


def _check_pseudonym(pseudonym: str) -> str:
    if not isinstance(pseudonym, str) or not PSEUDONYM_RE.fullmatch(pseudonym):
        raise InvalidObjectKey(
            "object keys carry pseudonymous ids only: expected 's_' followed by "
            "16 lowercase hex digits"
        )
    return pseudonym


def subject_prefix(pseudonym: str) -> str:
    """Return the prefix under which every object of one subject lives."""
    return f"subjects/{_check_pseudonym(pseudonym)}/"


def screenshot_key(pseudonym: str, taken_at: int, device_id: int) -> str:
    """Return the key of a screenshot taken at epoch second ``taken_at`` (dated in UTC)."""
    for name, value in (("taken_at", taken_at), ("device_id", device_id)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidObjectKey(f"screenshot {name} must be a non-negative integer")
    day = datetime.fromtimestamp(taken_at, tz=UTC)
    key = f"{subject_prefix(pseudonym)}screenshots/{day:%Y/%m/%d}/{taken_at}-d{device_id}.tqe"
    return validate_key(key)


def export_prefix(pseudonym: str, request_id: int) -> str:
    """Return the folder holding the stored export of rights request ``request_id``."""
    if isinstance(request_id, bool) or not isinstance(request_id, int) or request_id < 1:
        raise InvalidObjectKey("an export's request id must be a positive integer")
    return f"{subject_prefix(pseudonym)}exports/request-{request_id}/"


def export_key(pseudonym: str, request_id: int, produced_at: int) -> str:
    """Return the key of the export of ``request_id`` produced at epoch second ``produced_at``.

    The production time dates the object as a screenshot's capture time dates it: the
    retention purge reads it from the key, never from the (sealed) content.
    """
    if isinstance(produced_at, bool) or not isinstance(produced_at, int) or produced_at < 0:
        raise InvalidObjectKey("an export's production time must be a non-negative integer")
    return validate_key(f"{export_prefix(pseudonym, request_id)}{produced_at}.tqe")


_SHOT_NAME_RE = re.compile(r"screenshots/\d{4}/\d{2}/\d{2}/(\d+)-d\d+\.tqe")


def screenshot_taken_at(key: str) -> int | None:
    """The capture time a screenshot key carries (see ``screenshot_key``); None if not one."""
    match = _SHOT_NAME_RE.search(key)
    return int(match.group(1)) if match and key.endswith(match.group(0)) else None
