"""A newer export over an earlier one: what to write and what is stale, per device.

An export taken later repeats the earlier one's history and goes further; the span that was
still running when the first was taken now ends later, and the last minutes have more
activity. Within the time a host's new rows cover, the stored rows of its device are
compared with them: identical rows stay (so importing the same file twice writes nothing),
differing ones are replaced and ones the newer export no longer has are deleted. Rows
outside that time are never touched. A span is compared by start, end, application, site
and whether it has a title (titles are sealed: the importer cannot read the stored ones, and
a window event with the same start, end and application is the same event).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, select

from analytics.imports.aw_mapping import Minute, Span
from storage.db.schema import activity_minutes, app_spans

_CHUNK = 500  # keys per DELETE: far below SQLite's bind parameter limit


@dataclass(frozen=True)
class Changes:
    """The rows of one device to write (new, or replacing a stored row of the same key),
    the keys of stored rows the newer export no longer has (to delete), how many stored rows
    are replaced, and the latest end of the stored spans involved (rollups reach it)."""

    minutes: list[Minute]
    spans: list[Span]
    stale_minutes: list[int]
    stale_spans: list[int]
    replaced_minutes: list[int] = field(default_factory=list)
    replaced_spans: list[int] = field(default_factory=list)
    stored_end: int = 0


def _minute_key(m: Minute) -> tuple[int, ...]:
    return (m.active_seconds, m.key_presses, m.mouse_clicks, m.mouse_moves, m.scrolls)


def _span_key(
    end: int, app: str, site: str | None, titled: bool
) -> tuple[int, str, str | None, bool]:
    return (end, app, site, titled)


def changes(
    connection: Connection,
    person_id: int,
    device_id: int,
    minutes: Sequence[Minute],
    spans: Sequence[Span],
) -> Changes:
    """What to write for one device (see module doc)."""
    if not minutes and not spans:
        return Changes([], [], [], [])
    lo = min([m.minute for m in minutes] + [s.start_ts for s in spans])
    hi = max([m.minute + 60 for m in minutes] + [s.end_ts for s in spans])
    m, s = activity_minutes.c, app_spans.c
    stored_minutes = {
        row.minute: (row.active_seconds, row.key_presses, row.mouse_clicks, row.mouse_moves,
                     row.scrolls)
        for row in connection.execute(
            select(activity_minutes).where(
                m.person_id == person_id, m.device_id == device_id, m.minute >= lo, m.minute < hi
            )
        )
    }  # fmt: skip
    stored_spans = {
        row.start_ts: _span_key(row.end_ts, row.app, row.site, row.titled)
        for row in connection.execute(
            select(s.start_ts, s.end_ts, s.app, s.site, s.title_ct.is_not(None).label("titled"))
            .where(s.person_id == person_id, s.device_id == device_id)
            .where(s.start_ts < hi, s.end_ts > lo)
        )
    }
    new_minutes = {x.minute: _minute_key(x) for x in minutes}
    new_spans = {x.start_ts: _span_key(x.end_ts, x.app, x.site, x.title is not None) for x in spans}
    write_minutes = [x for x in minutes if stored_minutes.get(x.minute) != new_minutes[x.minute]]
    write_spans = [x for x in spans if stored_spans.get(x.start_ts) != new_spans[x.start_ts]]
    return Changes(
        minutes=write_minutes,
        spans=write_spans,
        stale_minutes=[k for k in stored_minutes if k not in new_minutes],
        stale_spans=[k for k in stored_spans if k not in new_spans],
        replaced_minutes=[x.minute for x in write_minutes if x.minute in stored_minutes],
        replaced_spans=[x.start_ts for x in write_spans if x.start_ts in stored_spans],
        stored_end=max((key[0] for key in stored_spans.values()), default=0),
    )


def delete_stale(connection: Connection, person_id: int, device_id: int, found: Changes) -> None:
    """Delete the stored rows the newer export no longer has, in chunks (the replaced ones
    are overwritten by the write path's ``OnConflict.REPLACE``)."""
    m, s = activity_minutes.c, app_spans.c
    for keys, table, column in (
        (found.stale_minutes, activity_minutes, m.minute),
        (found.stale_spans, app_spans, s.start_ts),
    ):
        for at in range(0, len(keys), _CHUNK):
            chunk = keys[at : at + _CHUNK]
            connection.execute(
                delete(table).where(
                    table.c.person_id == person_id,
                    table.c.device_id == device_id,
                    column.in_(chunk),
                )
            )
