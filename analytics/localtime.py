"""Each person's own clock: UTC epoch seconds to local day and time of day, in polars.

Offsets come from zoneinfo (through storage's rollup code, so that rollups and analytics
agree to the second); the per-row work is integer arithmetic over a handful of transition
instants, which stays fast on tens of millions of rows whatever the mix of zones.
"""

from __future__ import annotations

import polars as pl

from storage.rollups import utc_offsets

DAY_SECONDS = 86400
TZ_ID = "tz_id"


def zone_ids(people: pl.DataFrame) -> pl.DataFrame:
    """``people`` with a small integer id per distinct time zone, in column ``tz_id``."""
    zones = sorted(people["timezone"].unique().to_list())
    # An explicit schema: with nobody eligible, an empty list would otherwise be typed null.
    mapping = pl.DataFrame(
        {"timezone": zones, TZ_ID: list(range(len(zones)))},
        schema={"timezone": pl.String, TZ_ID: pl.Int32},
    )
    return people.join(mapping, on="timezone")


def utc_offset(ts: str, zones: list[str], lo: int, hi: int) -> pl.Expr:
    """The UTC offset in seconds in force at column ``ts`` for the row's ``tz_id``.

    ``zones`` lists the zone of each ``tz_id`` in order; ``[lo, hi)`` bounds the instants.
    (A chain of when/then measured 3x faster here than a lookup plus one term per change.)
    """
    expression: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for tz_id, zone in enumerate(zones):
        pairs = utc_offsets(zone, lo - lo % DAY_SECONDS, hi - hi % DAY_SECONDS + DAY_SECONDS)
        branch: pl.Expr = pl.lit(pairs[0][1], dtype=pl.Int64)
        for since, offset in pairs[1:]:
            branch = pl.when(pl.col(ts) >= since).then(pl.lit(offset, pl.Int64)).otherwise(branch)
        expression = pl.when(pl.col(TZ_ID) == tz_id).then(branch).otherwise(expression)
    return expression


def with_local_time(
    frame: pl.LazyFrame, ts: str, zones: list[str], lo: int, hi: int, prefix: str = ""
) -> pl.LazyFrame:
    """Add ``{prefix}day`` (local date) and ``{prefix}local_seconds`` (since local midnight)."""
    local = pl.col(ts) + utc_offset(ts, zones, lo, hi)
    return frame.with_columns(
        (local // DAY_SECONDS).cast(pl.Int32).cast(pl.Date).alias(f"{prefix}day"),
        (local % DAY_SECONDS).cast(pl.Int32).alias(f"{prefix}local_seconds"),
    )
