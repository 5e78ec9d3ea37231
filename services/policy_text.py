"""The organisation's policy in plain words: the workbench's sidebar and `traq collect`'s
first-run consent question say the same thing."""

from __future__ import annotations

from typing import Any


def every(seconds: int) -> str:
    """``seconds`` in words: "30 seconds", "1 minute", "10 minutes", "90 seconds"."""
    if seconds % 60:
        return f"{seconds} seconds"
    minutes = seconds // 60
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def policy_lines(policy: dict[str, Any]) -> list[str]:
    """The policy in plain words."""
    retention = policy["retention_days"]
    titles = "encrypted with each person's own key" if policy["store_window_titles"] else "not kept"
    blur = ", blurred" if policy["screenshot_blur"] else ""
    filters = policy.get("privacy_filters") or []
    return [
        "Keyboard and mouse activity as counts per minute: never which keys.",
        f"The active application; window titles {titles}.",
        "In a browser, the site's name, read from the window title (never the full address"
        + (
            f"; {len(filters)} privacy filter(s) drop or redact matching titles)."
            if filters
            else ")."
        ),
        f"Screenshots about every {every(policy['screenshot_interval_seconds'])}, "
        f"encrypted before they touch disk{blur}.",
        f"Idle after {every(policy['idle_threshold_seconds'])} without input.",
        f"Managers see only published statistics: sums over teams of at least "
        f"{policy['k_anonymity']} people (a smaller team counted with a neighbour), per "
        f"local day, released once {_grace(policy)} after the day ends and never changed "
        "afterwards (a later correction, restriction or erasure does not alter a released "
        "figure; later days leave a restricted person out).",
        "Kept for: "
        + ", ".join(f"{name.replace('_', ' ')} {days} days" for name, days in retention.items()),
        f"When you leave: capture stops that day and all your data is erased "
        f"{policy['post_employment_days']} days later (unless a legal hold applies).",
        *_responsibles(policy),
    ]


def _responsibles(policy: dict[str, Any]) -> list[str]:
    """Who to ask: the controller and the DPO, where an admin named them."""
    lines = []
    for name, title in (("controller", "Controller"), ("data_protection_officer", "DPO")):
        party = policy.get(name) or {}
        if party.get("name"):
            contact = f" ({party['contact']})" if party.get("contact") else ""
            lines.append(f"{title}: {party['name']}{contact}.")
    return lines


def _grace(policy: dict[str, Any]) -> str:
    hours = int(policy.get("publication", {}).get("grace_hours", 48))
    return f"{hours} hours"
