"""Encryption at rest: envelopes sealed to subject keys, and the master key that wraps them.

``envelope`` seals bytes to a subject's X25519 public key (collectors) and opens them with
the private key (server); ``keys`` creates and loads the master key file; ``epochs`` wraps
private keys under an epoch key and epoch keys under the master key; ``kms`` is a master
key in AWS KMS.
"""

from __future__ import annotations

from storage.crypto.envelope import (
    MAX_HEADER_SIZE,
    EnvelopeHeader,
    Sealer,
    open_envelope,
    read_header,
    seal,
)
from storage.crypto.keys import (
    MasterKey,
    MasterWrapper,
    WrappedSubjectKey,
    create_master_key_file,
    generate_subject_key,
    load_master_key,
    rewrap_subject_key,
    unwrap_private_key,
)

__all__ = [
    "MAX_HEADER_SIZE",
    "EnvelopeHeader",
    "MasterKey",
    "MasterWrapper",
    "Sealer",
    "WrappedSubjectKey",
    "create_master_key_file",
    "generate_subject_key",
    "load_master_key",
    "open_envelope",
    "read_header",
    "rewrap_subject_key",
    "seal",
    "unwrap_private_key",
]
