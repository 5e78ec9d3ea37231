"""Minute rows and spans of an enrolled device, and table snapshots to compare."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from activity.records import PendingMinute, PendingSpan
from collector.sinks.device_token import DeviceToken
from storage.db import schema

START = 1_780_000_020 - 1_780_000_020 % 600  # a 10-minute slot boundary in 2026


def minutes(device: DeviceToken, count: int = 5, start: int = START) -> list[PendingMinute]:
    """``count`` consecutive minute rows of ``device``."""
    return [
        PendingMinute(
            device.person_id, device.device_id, start + 60 * i, 30 + i, 10 * i, i, 50, 2, 1
        )
        for i in range(count)
    ]


def spans(device: DeviceToken, count: int = 3, start: int = START) -> list[PendingSpan]:
    """``count`` consecutive 2-minute spans, each with an opaque sealed title."""
    return [
        PendingSpan(
            device.person_id,
            device.device_id,
            start + 120 * i,
            start + 120 * i + 119,
            "Editor",
            None,
            bytes([i]) * 40,
            1,
        )
        for i in range(count)
    ]


def as_json(row: PendingMinute | PendingSpan, **changes: Any) -> dict[str, Any]:
    """The row as the HTTPS sink sends it, with ``changes`` applied."""
    values = {k: v for k, v in vars(row).items() if k != "rev"}
    if isinstance(values.get("title_ct"), bytes):
        import base64

        values["title_ct"] = base64.b64encode(values["title_ct"]).decode()
    return {**values, **changes}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a batch writes (data, rollups, quarantine), sorted."""
    tables = (
        schema.activity_minutes,
        schema.app_spans,
        schema.activity_10min,
        schema.activity_daily,
        schema.app_daily,
        schema.screenshots,
        schema.quarantined_batches,
    )
    with engine.connect() as conn:
        return {
            t.name: sorted((tuple(row) for row in conn.execute(select(t))), key=repr)
            for t in tables
        }
