"""What publication needs from the organisation's policies, and a digest that names them.

The ``publication`` policy holds ``grace_hours`` (how long after a day has ended everywhere
late uploads may still arrive before it is published, default 48), ``fold`` (a small
team's name -> the team whose unit it joins) and, optionally, ``noise``
(``analytics.publication.noise``). k is the organisation's ``k_anonymity``,
never below ``MIN_K``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analytics.errors import InvalidQuery
from analytics.loaders.base import Source, connected
from analytics.publication.noise import NoisePolicy
from storage.policies import DEFAULT_POLICIES, MIN_K, load_policies

DEFAULT_GRACE_HOURS = 48


@dataclass(frozen=True)
class PublicationPolicy:
    """k, the grace for late uploads, the admin's folding of small teams, the categories."""

    k: int
    grace_hours: int = DEFAULT_GRACE_HOURS
    fold: Mapping[str, str] = field(default_factory=dict)
    app_categories: Mapping[str, str] = field(default_factory=dict)
    noise: NoisePolicy | None = None

    @classmethod
    def from_policies(cls, policies: Mapping[str, Any]) -> PublicationPolicy:
        """Read from a policy mapping; refuse a malformed ``publication`` policy."""
        value = policies.get("publication", DEFAULT_POLICIES["publication"])
        grace = value.get("grace_hours", DEFAULT_GRACE_HOURS)
        fold = value.get("fold", {})
        if not isinstance(grace, int) or isinstance(grace, bool) or grace < 0:
            raise InvalidQuery(f"publication grace_hours must be a whole number >= 0: {grace!r}")
        if not isinstance(fold, dict) or not all(
            isinstance(a, str) and isinstance(b, str) for a, b in fold.items()
        ):
            raise InvalidQuery("publication fold must map team names to team names")
        k = max(int(policies.get("k_anonymity", DEFAULT_POLICIES["k_anonymity"])), MIN_K)
        categories = policies.get("app_categories", DEFAULT_POLICIES["app_categories"])
        noise = NoisePolicy.from_policy(value.get("noise"))
        return cls(k, grace, dict(fold), dict(categories), noise)

    @property
    def version(self) -> str:
        """A short digest of everything that shapes a publication (stored with each day)."""
        text = json.dumps(
            [self.k, self.grace_hours, self.fold, self.app_categories, str(self.noise)],
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_publication_policy(source: Source) -> PublicationPolicy:
    """The publication policy in force in the database."""
    with connected(source) as connection:
        return PublicationPolicy.from_policies(load_policies(connection))
