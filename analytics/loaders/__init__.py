"""Loaders: storage to polars LazyFrames, eligible people only, in each person's local time."""

from analytics.loaders.base import (
    Source,
    attach_people,
    connected,
    eligible,
    fetch,
    load_people,
    to_pandas,
)
from analytics.loaders.raw import load_minutes, load_spans
from analytics.loaders.rollups import load_app_daily, load_app_totals, load_daily, load_slots

__all__ = [
    "Source",
    "attach_people",
    "connected",
    "eligible",
    "fetch",
    "load_app_daily",
    "load_app_totals",
    "load_daily",
    "load_minutes",
    "load_people",
    "load_slots",
    "load_spans",
    "to_pandas",
]
