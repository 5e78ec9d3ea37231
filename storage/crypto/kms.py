"""A master key in AWS KMS (``TRAQ_MASTER_KEY=kms:KEY``): it wraps only the epoch key.

KMS is called once per epoch key, never per person, so a KMS master costs one Decrypt when
a process first opens the vault. The associated data of each wrap travels as KMS's
encryption context. An erasure needs the master key to change (``storage.epochs``): the
store creates a new KMS key, points the alias (if ``KEY`` is ``alias/...``) at it, and once
the database has committed, disables the previous key and schedules its deletion (KMS
keeps it 7 days, disabled, then destroys it). TraqNext's role therefore needs
``kms:CreateKey``, ``Encrypt``, ``Decrypt``, ``DescribeKey``, ``DisableKey``,
``ScheduleKeyDeletion`` and, with an alias, ``UpdateAlias``.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from sqlalchemy import Engine, select

from storage.config import KMS_PREFIX
from storage.crypto.keys import MasterWrapper
from storage.db.schema import key_epochs
from storage.errors import InvalidToken, MasterKeyError

PENDING_WINDOW_DAYS = 7  # the shortest KMS allows
_ID_DOMAIN = b"traqnext kms key id\0"
_BAD_CIPHERTEXT = frozenset({"InvalidCiphertextException", "IncorrectKeyException"})


def make_kms_client() -> Any:
    """A KMS client from the standard ``AWS_*`` variables (``AWS_ENDPOINT_URL`` included)."""
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=20, retries={"max_attempts": 3})
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
    return boto3.session.Session().client("kms", endpoint_url=endpoint, config=config)


class KmsMasterKey:
    """One KMS key, used to wrap and unwrap epoch keys."""

    def __init__(self, client: Any, arn: str) -> None:
        self._client = client
        self.arn = arn
        self.key_id = "kms-" + hashlib.sha256(_ID_DOMAIN + arn.encode()).hexdigest()[:12]

    def __repr__(self) -> str:
        return f"KmsMasterKey({self.arn!r})"

    def wrap(self, plaintext: bytes, aad: bytes) -> bytes:
        """KMS Encrypt under this key, ``aad`` as the encryption context."""
        answer = self._call(
            "encrypt", KeyId=self.arn, Plaintext=plaintext, EncryptionContext=_ctx(aad)
        )
        return bytes(answer["CiphertextBlob"])

    def unwrap(self, blob: bytes, aad: bytes) -> bytes:
        """KMS Decrypt; ``InvalidToken`` if the blob or context does not match."""
        answer = self._call(
            "decrypt", CiphertextBlob=blob, KeyId=self.arn, EncryptionContext=_ctx(aad)
        )
        return bytes(answer["Plaintext"])

    def _call(self, action: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, action)(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _BAD_CIPHERTEXT:
                raise InvalidToken from None
            raise MasterKeyError(f"KMS refused {action} with key {self.arn}: {code}") from None
        except BotoCoreError as exc:
            raise MasterKeyError(f"cannot reach KMS for key {self.arn}: {exc}") from None


def _ctx(aad: bytes) -> dict[str, str]:
    return {"traqnext": aad.hex()}


class KmsKeyStore:
    """The master key as a KMS key named by ``kms:KEY`` (key id, ARN or ``alias/NAME``)."""

    def __init__(self, spec: str, client: Any | None = None) -> None:
        self.name = spec.removeprefix(KMS_PREFIX)
        self._client = client if client is not None else make_kms_client()
        self._previous: KmsMasterKey | None = None
        self._next: KmsMasterKey | None = None

    @property
    def description(self) -> str:
        """The configured KMS key name."""
        return f"KMS key {self.name}"

    def create_first(self) -> KmsMasterKey:
        """The configured key (it must exist: TraqNext does not create the first one)."""
        metadata = KmsMasterKey(self._client, self.name)._call("describe_key", KeyId=self.name)
        return KmsMasterKey(self._client, str(metadata["KeyMetadata"]["Arn"]))

    def load(self, engine: Engine) -> KmsMasterKey:
        """The KMS key wrapping the current epoch (recorded in the database).

        Retires the key it replaced if a crash came between the commit and ``settle``.
        """
        with engine.connect() as connection:
            row = connection.execute(
                select(key_epochs.c.master_key_ref, key_epochs.c.replaced_ref)
                .order_by(key_epochs.c.epoch.desc())
                .limit(1)
            ).first()
        if row is None or not row.master_key_ref:
            return self.create_first()
        current = KmsMasterKey(self._client, str(row.master_key_ref))
        if row.replaced_ref and row.replaced_ref != row.master_key_ref:
            _retire(KmsMasterKey(self._client, str(row.replaced_ref)))
        return current

    def prepare_next(self, current: MasterWrapper) -> KmsMasterKey:
        """Create the successor of ``current`` in KMS."""
        self._previous = current if isinstance(current, KmsMasterKey) else None
        probe = KmsMasterKey(self._client, self.name)
        created = probe._call(
            "create_key",
            Description="TraqNext master key (replaced at every erasure)",
            KeyUsage="ENCRYPT_DECRYPT",
            Tags=[{"TagKey": "traqnext", "TagValue": "master"}],
        )
        self._next = KmsMasterKey(self._client, str(created["KeyMetadata"]["Arn"]))
        return self._next

    def settle(self, current_id: str | None) -> None:
        """Once the database uses the successor: alias to it, retire the predecessor."""
        new, old = self._next, self._previous
        if new is None or current_id != new.key_id:
            return
        if self.name.startswith("alias/"):
            new._call("update_alias", AliasName=self.name, TargetKeyId=new.arn)
        if old is not None and old.key_id != new.key_id:
            _retire(old)
        self._previous, self._next = new, None


def _retire(key: KmsMasterKey) -> None:
    """Disable ``key`` and schedule its deletion, unless KMS is already deleting it."""
    bare = key.arn.rsplit("/", 1)[-1]  # KMS takes the id like the ARN; moto only the id
    state = key._call("describe_key", KeyId=bare)["KeyMetadata"]["KeyState"]
    if state in ("PendingDeletion", "PendingReplicaDeletion"):
        return
    if state == "Enabled":
        key._call("disable_key", KeyId=bare)
    key._call("schedule_key_deletion", KeyId=bare, PendingWindowInDays=PENDING_WINDOW_DAYS)
