"""Object store: bytes under safe pseudonymous keys, in a local folder or an S3 bucket."""

from __future__ import annotations

from storage.objects.base import ObjectStore, ObjectVersion
from storage.objects.factory import open_object_store
from storage.objects.keys import (
    PSEUDONYM_RE,
    screenshot_key,
    subject_prefix,
    validate_key,
    validate_prefix,
)
from storage.objects.local import LocalObjectStore
from storage.objects.s3 import S3ObjectStore, make_s3_client

__all__ = [
    "PSEUDONYM_RE",
    "LocalObjectStore",
    "ObjectStore",
    "ObjectVersion",
    "S3ObjectStore",
    "make_s3_client",
    "open_object_store",
    "screenshot_key",
    "subject_prefix",
    "validate_key",
    "validate_prefix",
]
