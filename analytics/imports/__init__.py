"""Importers of other trackers' exports into TraqNext (ActivityWatch)."""

from analytics.imports.activitywatch import ImportReport, import_activitywatch
from analytics.imports.errors import ImportRefused

__all__ = ["ImportRefused", "ImportReport", "import_activitywatch"]
