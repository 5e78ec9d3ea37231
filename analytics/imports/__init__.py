"""ActivityWatch interop: importing its exports into TraqNext, and our export in its format."""

from analytics.imports.activitywatch import ImportReport, import_activitywatch
from analytics.imports.aw_export import activitywatch_export
from analytics.imports.errors import ImportRefused

__all__ = ["ImportRefused", "ImportReport", "activitywatch_export", "import_activitywatch"]
