"""Privacy filters: policy rules that drop or redact a window before it is stored (pure).

A rule matches one field of the window (``app``, ``title`` or ``site``) with a regular
expression (``re.search``; write ``(?i)`` for case-insensitive):

- ``drop``: nothing about the window is stored, not even the application;
- ``redact``: the title is removed, and the site too when the rule matched on the site;
  the application name stays for aggregation.

Either way no screenshot is taken while such a window is active, and where the platform
lists the windows on screen (``collector.sources.base.VisibleWindowSource``) every other
window a rule matches is blacked out of the shot. Rules always see the
real title, even when the ``store_window_titles`` policy then drops every title, so that a
private-browsing window still blocks screenshots.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from activity.errors import RuleError
from activity.window import WindowInfo

Field = Literal["app", "title", "site"]
Action = Literal["drop", "redact"]
_FIELDS: tuple[str, ...] = get_args(Field)
_ACTIONS: tuple[str, ...] = get_args(Action)
_RULE_KEYS = frozenset({"match", "pattern", "action"})


@dataclass(frozen=True)
class PrivacyRule:
    """Drop or redact windows whose ``match`` field matches ``pattern``.

    Raises ``RuleError`` (a ``ValueError``) for an unknown field or action or a
    pattern that is not a valid regular expression.
    """

    match: Field
    pattern: str
    action: Action
    _regex: re.Pattern[str] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.match not in _FIELDS:
            raise RuleError(
                f"privacy rule match must be one of {', '.join(_FIELDS)}; got {self.match!r}"
            )
        if self.action not in _ACTIONS:
            raise RuleError(
                f"privacy rule action must be one of {', '.join(_ACTIONS)}; got {self.action!r}"
            )
        if not isinstance(self.pattern, str):
            raise RuleError("privacy rule pattern must be a str (a regex)")
        try:
            regex = re.compile(self.pattern)
        except re.error as exc:
            raise RuleError(
                f"privacy rule pattern {self.pattern!r} is not a valid regex: {exc}"
            ) from None
        object.__setattr__(self, "_regex", regex)

    def matches(self, window: WindowInfo) -> bool:
        """True if this rule's field of ``window`` matches; a missing field never does."""
        value = getattr(window, self.match)
        return isinstance(value, str) and self._regex.search(value) is not None


@dataclass(frozen=True)
class FilteredWindow:
    """What may be stored of a window (None: nothing), and whether screenshots must wait."""

    window: WindowInfo | None
    blocks_screenshot: bool


def rules_from_policy(policy_list: list[dict[str, Any]]) -> list[PrivacyRule]:
    """Parse the ``privacy_filters`` policy: a list of {match, pattern, action} objects.

    Raises ``RuleError`` (a ``ValueError``) naming the first bad rule.
    """
    if not isinstance(policy_list, list):
        raise RuleError("privacy_filters must be a list of rules")
    return [_rule_from_policy(index, item) for index, item in enumerate(policy_list)]


def apply_privacy_rules(
    window: WindowInfo, rules: Iterable[PrivacyRule], *, store_window_titles: bool = True
) -> FilteredWindow:
    """Apply ``rules`` to ``window``, then drop its title if titles are not stored."""
    matched = [rule for rule in rules if rule.matches(window)]
    if any(rule.action == "drop" for rule in matched):
        return FilteredWindow(window=None, blocks_screenshot=True)
    title = window.title if not matched and store_window_titles else None
    site_matched = any(rule.match == "site" for rule in matched)
    site = None if site_matched else window.site
    kept = WindowInfo(app=window.app, title=title, site=site)
    return FilteredWindow(window=kept, blocks_screenshot=bool(matched))


def _rule_from_policy(index: int, item: object) -> PrivacyRule:
    where = f"privacy_filters[{index}]"
    if not isinstance(item, Mapping):
        raise RuleError(f"{where} must be an object with match, pattern, action")
    keys = set(item)
    if keys != _RULE_KEYS:
        missing = ", ".join(sorted(_RULE_KEYS - keys)) or "none"
        extra = ", ".join(sorted(map(str, keys - _RULE_KEYS))) or "none"
        raise RuleError(
            f"{where} needs exactly match, pattern, action (missing: {missing}; unknown: {extra})"
        )
    try:
        return PrivacyRule(match=item["match"], pattern=item["pattern"], action=item["action"])
    except RuleError as exc:
        raise RuleError(f"{where}: {exc}") from None
