"""ActivityWatch interop: importing its exports into TraqNext, and our export in its format."""

from analytics.errors import ImportRefused
from analytics.imports.activitywatch import ImportReport, import_activitywatch
from analytics.imports.aw_export import activitywatch_export

__all__ = ["ImportRefused", "ImportReport", "activitywatch_export", "import_activitywatch"]
