"""The active window as every capture source, filter and importer sees it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WindowInfo:
    """The active window: application name (kept clear), title and site (personal data).

    ``repr`` leaves out the title and site so that a logged or failing object never shows
    captured content.
    """

    app: str
    title: str | None
    site: str | None

    def __repr__(self) -> str:
        title = "None" if self.title is None else "<hidden>"
        site = "None" if self.site is None else "<hidden>"
        return f"WindowInfo(app={self.app!r}, title={title}, site={site})"
