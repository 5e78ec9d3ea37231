"""Object store: bytes under safe pseudonymous keys, in a local folder or an S3 bucket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage.objects.base import ObjectStore, ObjectVersion
from storage.objects.factory import open_object_store
from storage.objects.keys import (
    PSEUDONYM_RE,
    export_key,
    export_prefix,
    screenshot_key,
    subject_prefix,
    validate_key,
    validate_prefix,
)
from storage.objects.local import LocalObjectStore

if TYPE_CHECKING:
    from storage.objects.s3 import S3ObjectStore, make_s3_client

__all__ = [
    "PSEUDONYM_RE",
    "LocalObjectStore",
    "ObjectStore",
    "ObjectVersion",
    "S3ObjectStore",
    "export_key",
    "export_prefix",
    "make_s3_client",
    "open_object_store",
    "screenshot_key",
    "subject_prefix",
    "validate_key",
    "validate_prefix",
]


def __getattr__(name: str) -> Any:
    # boto3 costs ~10 MB and ~0.3 s: a collector on the folder store never loads it.
    if name in ("S3ObjectStore", "make_s3_client"):
        from storage.objects import s3

        return getattr(s3, name)
    raise AttributeError(f"module 'storage.objects' has no attribute {name!r}")
