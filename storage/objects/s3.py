"""Object store in an S3 bucket (AWS or any S3-compatible endpoint), versioning-aware."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.loaders import Loader, create_loader

from storage.errors import ConfigError, ObjectNotFound, ObjectStoreError
from storage.objects.base import ObjectStore, ObjectVersion, check_purge_prefix
from storage.objects.keys import validate_key, validate_prefix

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
DELETE_BATCH = 1000  # the most keys one DeleteObjects request accepts
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound"})
# A malformed version id or one naming a delete marker is, to the caller, a missing version.
_BAD_VERSION_CODES = _NOT_FOUND_CODES | {"InvalidArgument", "MethodNotAllowed", "400", "405"}
_DENIED_CODES = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403", "Forbidden"}
)


def make_s3_client() -> S3Client:
    """Build an S3 client from the standard ``AWS_*`` variables and ``AWS_ENDPOINT_URL``.

    Timeouts and retries are kept short so that an unreachable endpoint fails in seconds.
    """
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
    config = Config(
        connect_timeout=2,
        read_timeout=20,
        retries={"max_attempts": 3, "mode": "standard"},
        # S3-compatible servers (MinIO, moto, Ceph) rarely resolve bucket subdomains.
        s3={"addressing_style": "path"} if endpoint else None,
    )
    # A fresh session per client re-reads the AWS_* variables; sharing the model loader
    # keeps creating one cheap (~40 ms instead of ~250 ms).
    core = botocore.session.Session()
    core.register_component("data_loader", _shared_loader())
    session = boto3.session.Session(botocore_session=core)
    return session.client("s3", endpoint_url=endpoint, config=config)


@functools.cache
def _shared_loader() -> Loader:
    return create_loader()


class S3ObjectStore(ObjectStore):
    """Objects under ``prefix`` in ``bucket``; the prefix is invisible to callers."""

    def __init__(self, bucket: str, prefix: str = "", client: S3Client | None = None) -> None:
        if not BUCKET_RE.fullmatch(bucket):
            raise ConfigError(
                "S3 bucket names are 3-63 characters of a-z 0-9 . - starting and ending "
                f"with a letter or digit, got {bucket!r}"
            )
        prefix = prefix.strip("/")
        self._bucket = bucket
        self._prefix = f"{validate_key(prefix)}/" if prefix else ""
        self._client = client if client is not None else make_s3_client()

    @property
    def url(self) -> str:
        """The ``s3://bucket/prefix`` URL of this store."""
        return f"s3://{self._bucket}/{self._prefix.rstrip('/')}".rstrip("/")

    @property
    def client(self) -> S3Client:
        """The boto3 client in use."""
        return self._client

    def put(self, key: str, data: bytes) -> str | None:
        """Upload ``data`` in one PUT (atomic on S3); return its version id, if versioned."""
        full_key = self._full_key(key)
        with self._boundary("put"):
            response = self._client.put_object(Bucket=self._bucket, Key=full_key, Body=data)
        return _version_or_none(response.get("VersionId"))

    def get(self, key: str, version_id: str | None = None) -> bytes:
        """Return the current object, or the given version; ObjectNotFound if missing."""
        params: dict[str, Any] = {"Bucket": self._bucket, "Key": self._full_key(key)}
        if version_id is not None:
            params["VersionId"] = version_id
        not_found = _BAD_VERSION_CODES if version_id is not None else _NOT_FOUND_CODES
        with self._boundary("get", not_found=not_found):
            response = self._client.get_object(**params)
            return response["Body"].read()

    def exists(self, key: str) -> bool:
        """Tell whether a current object exists under ``key``."""
        try:
            with self._boundary("head", not_found=_NOT_FOUND_CODES):
                self._client.head_object(Bucket=self._bucket, Key=self._full_key(key))
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        """Delete ``key`` with every version and delete marker it has (nothing if missing).

        A plain DELETE on a versioned bucket only hides the object behind a delete marker:
        the old versions, which still decrypt, would outlive a "final" deletion.
        """
        full_key = self._full_key(key)
        self._remove_versions(full_key, lambda listed: listed == full_key)

    def drop_old_versions(self, key: str, keep: str | None) -> int:
        """Remove every version of ``key`` but ``keep`` (the one just written); return how many."""
        full_key = self._full_key(key)
        if keep is None:
            return 0  # unversioned bucket: an overwrite left nothing behind
        return self._remove_versions(full_key, lambda listed: listed == full_key, keep)

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Yield current keys under ``prefix`` in S3's (sorted) order."""
        full_prefix = self._prefix + validate_prefix(prefix)
        return self._iter_keys(full_prefix)

    def list_versions(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """Yield every version and delete marker under ``prefix``, by key."""
        full_prefix = self._prefix + validate_prefix(prefix)
        return self._iter_versions(full_prefix)

    def purge(self, prefix: str) -> int:
        """Delete every version and delete marker under ``prefix``; return how many."""
        full_prefix = self._prefix + check_purge_prefix(prefix)
        return self._remove_versions(full_prefix, lambda _listed: True)

    def _remove_versions(
        self, full_prefix: str, wanted: Callable[[str], bool], keep_version: str | None = None
    ) -> int:
        """Delete the versions and markers under ``full_prefix`` whose key is ``wanted``.

        The whole listing is read before deleting (paginating while deleting is not
        guaranteed), then removed in batches of DeleteObjects.
        """
        doomed: list[ObjectIdentifierTypeDef] = []
        paginator = self._client.get_paginator("list_object_versions")
        with self._boundary("purge"):
            for page in paginator.paginate(Bucket=self._bucket, Prefix=full_prefix):
                doomed += [
                    {"Key": item["Key"], "VersionId": item["VersionId"]}
                    for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                    if wanted(item["Key"]) and item["VersionId"] != keep_version
                ]
        for start in range(0, len(doomed), DELETE_BATCH):
            self._delete_batch(doomed[start : start + DELETE_BATCH])
        return len(doomed)

    def ensure_bucket(self, versioned: bool = False) -> None:
        """Create the bucket if it is missing; turn versioning on when asked."""
        try:
            with self._boundary("head bucket", not_found=_NOT_FOUND_CODES | {"NoSuchBucket"}):
                self._client.head_bucket(Bucket=self._bucket)
        except ObjectNotFound:
            self._create_bucket()
        if versioned:
            with self._boundary("enable versioning"):
                self._client.put_bucket_versioning(
                    Bucket=self._bucket, VersioningConfiguration={"Status": "Enabled"}
                )

    def _create_bucket(self) -> None:
        region = self._client.meta.region_name
        with self._boundary("create bucket", ignore=frozenset({"BucketAlreadyOwnedByYou"})):
            if region and region != "us-east-1":
                location = cast("BucketLocationConstraintType", region)
                self._client.create_bucket(
                    Bucket=self._bucket, CreateBucketConfiguration={"LocationConstraint": location}
                )
            else:
                self._client.create_bucket(Bucket=self._bucket)

    def _delete_batch(self, batch: list[ObjectIdentifierTypeDef]) -> int:
        with self._boundary("purge"):
            response = self._client.delete_objects(
                Bucket=self._bucket, Delete={"Objects": batch, "Quiet": True}
            )
        errors = response.get("Errors", [])
        if errors:
            code = errors[0].get("Code", "Unknown")
            raise ObjectStoreError(
                f"S3 refused to delete {len(errors)} object versions in {self.url} ({code}); "
                "check the bucket's object lock and permissions, then purge again"
            )
        return len(batch)

    def _iter_keys(self, full_prefix: str) -> Iterator[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        with self._boundary("list"):
            for page in paginator.paginate(Bucket=self._bucket, Prefix=full_prefix):
                for item in page.get("Contents", []):
                    yield item["Key"][len(self._prefix) :]

    def _iter_versions(self, full_prefix: str) -> Iterator[ObjectVersion]:
        paginator = self._client.get_paginator("list_object_versions")
        with self._boundary("list versions"):
            for page in paginator.paginate(Bucket=self._bucket, Prefix=full_prefix):
                versions = [self._version(item, False) for item in page.get("Versions", [])]
                markers = [self._version(item, True) for item in page.get("DeleteMarkers", [])]
                yield from sorted([*versions, *markers], key=lambda v: (v.key, not v.is_latest))

    def _version(self, item: Any, is_delete_marker: bool) -> ObjectVersion:
        return ObjectVersion(
            key=str(item["Key"])[len(self._prefix) :],
            version_id=_version_or_none(item.get("VersionId")),
            is_latest=bool(item.get("IsLatest", False)),
            is_delete_marker=is_delete_marker,
            size=int(item.get("Size", 0)),
        )

    def _full_key(self, key: str) -> str:
        return self._prefix + validate_key(key)

    @contextmanager
    def _boundary(
        self,
        action: str,
        not_found: frozenset[str] = frozenset(),
        ignore: frozenset[str] = frozenset(),
    ) -> Iterator[None]:
        """Translate botocore errors into storage errors; never echo object contents."""
        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
            if code in ignore:
                return
            if code in not_found:
                raise ObjectNotFound(f"no object or version under that key in {self.url}") from exc
            raise ObjectStoreError(self._client_error_message(action, code)) from exc
        except NoCredentialsError as exc:
            raise ObjectStoreError(
                "no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ) from exc
        except (BotoConnectionError, HTTPClientError) as exc:
            raise ObjectStoreError(
                f"cannot reach the S3 endpoint {self._client.meta.endpoint_url} for {self.url} "
                f"({type(exc).__name__}); check AWS_ENDPOINT_URL and the network"
            ) from exc
        except BotoCoreError as exc:
            raise ObjectStoreError(
                f"S3 {action} failed on {self.url} ({type(exc).__name__}); "
                "check the AWS_* settings and retry"
            ) from exc

    def _client_error_message(self, action: str, code: str) -> str:
        if code == "NoSuchBucket":
            return (
                f"S3 bucket {self._bucket!r} does not exist; "
                "run `traq init` or fix TRAQ_OBJECT_STORE"
            )
        if code in _DENIED_CODES:
            return (
                f"S3 refused {action} on {self.url} ({code}); check AWS_ACCESS_KEY_ID, "
                "AWS_SECRET_ACCESS_KEY and the bucket policy"
            )
        return f"S3 {action} failed on {self.url} ({code}); check the endpoint and retry"


def _version_or_none(version_id: str | None) -> str | None:
    # S3 reports objects written while versioning was off under the literal id "null".
    return None if version_id in (None, "", "null") else version_id
