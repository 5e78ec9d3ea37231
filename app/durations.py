"""A length of time as people read it on a metric: minutes below an hour, else hours."""


def duration_text(seconds: float) -> str:
    """``seconds`` as "N min" below an hour (so a first minute reads "1 min", not "0.0 h"),
    else as hours with one decimal ("7.5 h")."""
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
