"""Importers of other trackers' exports into TraqNext (ActivityWatch)."""

from analytics.errors import ImportRefused
from analytics.imports.activitywatch import ImportReport, import_activitywatch

__all__ = ["ImportRefused", "ImportReport", "import_activitywatch"]
