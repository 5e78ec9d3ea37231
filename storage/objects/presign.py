"""Direct uploads: presigned S3 PUT URLs bound to one key, size and checksum; object heads.

The ingestion service hands a collector a URL that lets it PUT exactly one object: S3 checks
the signature over the key, ``Content-Length``, ``x-amz-checksum-sha256`` and
``If-None-Match: *``, so a changed key, size or body, or an overwrite, is refused by S3
itself, and the URL expires after ``expires`` seconds.
"""

from __future__ import annotations

import base64
import functools
import re
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from storage.objects.base import ObjectStore
from storage.objects.s3 import S3ObjectStore

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

CHECKSUM_HEADER = "x-amz-checksum-sha256"
_RANGE_TOTAL = re.compile(r"bytes \d+-\d+/(\d+)")


def presign_put(store: ObjectStore, key: str, size: int, sha256: bytes, expires: int) -> str:
    """A PUT URL for ``key`` in an S3 store, valid ``expires`` s for that size and SHA-256."""
    if not isinstance(store, S3ObjectStore):
        raise TypeError("only an S3 object store can presign uploads")
    # The store owns its bucket and key prefix; presigning is one more S3 operation of it.
    params = {
        "Bucket": store._bucket,
        "Key": store._full_key(key),
        "ContentLength": size,
        "ChecksumSHA256": base64.b64encode(sha256).decode("ascii"),
        # Signed too: the PUT must carry ``If-None-Match: *``, so S3 refuses to replace an
        # object already there (two presigns of one key racing, or a committed screenshot).
        "IfNoneMatch": "*",
    }
    with store._boundary("presign"):
        url: str = _presigner(store).generate_presigned_url(
            "put_object", Params=params, ExpiresIn=expires
        )
    return url


def _presigner(store: S3ObjectStore) -> S3Client:
    """A client like the store's that signs with SigV4 (query SigV2 binds no headers)."""
    meta = store.client.meta
    return _sigv4_client(meta.endpoint_url, meta.region_name, meta.config)


@functools.lru_cache(maxsize=8)
def _sigv4_client(endpoint: str, region: str, config: Config) -> S3Client:
    session = boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        config=config.merge(Config(signature_version="s3v4")),
    )


def read_head(store: ObjectStore, key: str, length: int) -> tuple[int, bytes]:
    """The object's total size and its first ``length`` bytes; ObjectNotFound if missing."""
    if not isinstance(store, S3ObjectStore):
        data = store.get(key)
        return len(data), data[:length]
    params = {
        "Bucket": store._bucket,
        "Key": store._full_key(key),
        "Range": f"bytes=0-{length - 1}",
    }
    with store._boundary("get", not_found=frozenset({"NoSuchKey", "404", "NotFound"})):
        response = store.client.get_object(**params)  # type: ignore[arg-type]
        head = response["Body"].read()
    match = _RANGE_TOTAL.fullmatch(str(response.get("ContentRange", "")))
    if match is None:  # a whole (small) object came back
        return len(head), head[:length]
    return int(match.group(1)), head
