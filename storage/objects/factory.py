"""Open the object store named by a URL (the value of ``TRAQ_OBJECT_STORE``)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from storage.errors import ConfigError, InvalidObjectKey
from storage.objects.base import ObjectStore
from storage.objects.local import LocalObjectStore


def open_object_store(url: str) -> ObjectStore:
    """Return the store for ``file:///abs/path`` or ``s3://bucket[/prefix]``."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.query or parts.fragment:
        raise _bad_url(url)
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        path = unquote(parts.path)
        if path.startswith("/"):
            return LocalObjectStore(Path(path))
    if parts.scheme == "s3":
        from storage.objects.s3 import BUCKET_RE, S3ObjectStore  # boto3 only when S3 is used

        if not BUCKET_RE.fullmatch(parts.netloc):
            raise _bad_url(url)
        try:
            return S3ObjectStore(parts.netloc, unquote(parts.path).strip("/"))
        except InvalidObjectKey as exc:
            raise _bad_url(url) from exc
    raise _bad_url(url)


def _bad_url(url: object) -> ConfigError:
    # Drop any user:password@ an operator may have typed into the URL.
    shown = url
    if isinstance(url, str) and "@" in url:
        scheme, _, rest = url.partition("://")
        shown = f"{scheme}://***@{rest.rpartition('@')[2]}"
    return ConfigError(
        f"TRAQ_OBJECT_STORE must be file:///path or s3://bucket/prefix, got {shown!r}"
    )
