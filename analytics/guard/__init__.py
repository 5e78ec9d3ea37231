"""The privacy guard: the only path from individual rows to manager-facing results."""

from analytics.guard.guard import Guard
from analytics.guard.noise import Noise
from analytics.guard.release import Released, release
from analytics.guard.scope import Scope, check_scope
from analytics.guard.suppression import suppressed_cells

__all__ = ["Guard", "Noise", "Released", "Scope", "check_scope", "release", "suppressed_cells"]
