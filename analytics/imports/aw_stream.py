"""The token stream of an ActivityWatch export (ijson), read without building the document.

``document_buckets`` walks ijson's ``basic_parse`` tokens by recursive descent over the one
shape an export has, ``{"buckets": {id: {..., "events": [...]}}}``: bucket fields are kept,
each event object is handed to a reader as soon as it is read (so only compact events stay
in memory), and everything else is skipped. Why not ``ijson.items``: it matches one exact
prefix, so it would need one pass over the file per bucket id; one pass of tokens here costs
about two ``json.load`` of the same file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any, Protocol

import ijson

from analytics.errors import ImportRefused

Tokens = Iterator[tuple[str, Any]]
_SCALARS = frozenset({"null", "boolean", "number", "string"})
MAX_DEPTH = 64  # deeper than any watcher writes: a hostile file, refused before recursion fails
_NOT_EXPORT = 'not an ActivityWatch export: expected {"buckets": {...}}'


class EventReader(Protocol):
    """Receives each event's fields; ``where`` names the bucket being read."""

    where: str

    def event(self, index: int, timestamp: Any, duration: Any, data: Any) -> Any:
        """The event of these fields (``MISSING`` when absent), the ``index``-th of its
        bucket from 1."""


MISSING: Any = object()  # a field the event object does not have


def document_buckets(stream: IO[bytes], reader: EventReader) -> list[tuple[str, dict[str, Any]]]:
    """Every bucket's id and fields, its ``events`` read by ``reader``; ImportRefused if the
    stream is not an export (invalid JSON, or another shape)."""
    tokens: Tokens = ijson.basic_parse(stream, use_float=True)
    try:
        buckets = _document(tokens, reader)
        for _ in tokens:  # trailing content: ijson refuses it once it is read
            raise ImportRefused("not an ActivityWatch export: invalid JSON (trailing data)")
    except (ijson.JSONError, UnicodeDecodeError, StopIteration):
        # ijson's messages may quote the file: say only that it is not JSON.
        raise ImportRefused("not an ActivityWatch export: invalid JSON") from None
    return buckets


def _document(tokens: Tokens, reader: EventReader) -> list[tuple[str, dict[str, Any]]]:
    kind, _ = next(tokens)
    if kind != "start_map":
        raise ImportRefused(_NOT_EXPORT)
    buckets: list[tuple[str, dict[str, Any]]] | None = None
    for kind, key in tokens:
        if kind == "end_map":
            break
        kind, value = next(tokens)
        if key == "buckets" and kind == "start_map":
            buckets = _buckets(tokens, reader)
        elif key == "buckets":
            raise ImportRefused(_NOT_EXPORT)
        else:
            _value(tokens, kind, value, 1)
    if buckets is None:
        raise ImportRefused(_NOT_EXPORT)
    return buckets


def _buckets(tokens: Tokens, reader: EventReader) -> list[tuple[str, dict[str, Any]]]:
    buckets: list[tuple[str, dict[str, Any]]] = []
    for kind, bid in tokens:
        if kind == "end_map":
            break
        reader.where = f"bucket {len(buckets) + 1}"
        kind, _ = next(tokens)
        if kind != "start_map":
            raise ImportRefused(f"{reader.where} is not an object")
        buckets.append((str(bid), _bucket(tokens, reader)))
    return buckets


def _bucket(tokens: Tokens, reader: EventReader) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for kind, key in tokens:
        if kind == "end_map":
            break
        kind, value = next(tokens)
        if key != "events":
            fields[key] = _value(tokens, kind, value, 3)
        elif kind == "start_array":
            fields[key] = _events(tokens, reader)
        elif kind == "null":
            fields[key] = []  # Rust: a bucket without events has null
        else:
            raise ImportRefused(f"{reader.where}: events must be a list")
    return fields


def _events(tokens: Tokens, reader: EventReader) -> list[Any]:
    """The hot loop: a few comparisons per token, each event built as soon as it closes."""
    events: list[Any] = []
    # Locals, not globals or attributes: this loop runs once per token of the file.
    append, build, step, scalars = events.append, reader.event, tokens.__next__, _SCALARS
    for kind, _ in tokens:
        if kind == "end_array":
            break
        if kind != "start_map":
            raise ImportRefused(f"{reader.where} event {len(events) + 1} is not an object")
        stamp = duration = data = MISSING
        for kind, key in tokens:
            if kind == "end_map":
                break
            kind, value = step()
            if kind == "start_map":  # ``data``: flat in every watcher, read here inline
                value = {}
                for kind, name in tokens:
                    if kind == "end_map":
                        break
                    kind, item = step()
                    value[name] = item if kind in scalars else _value(tokens, kind, item, 6)
            elif kind not in scalars:
                value = _value(tokens, kind, value, 5)
            if key == "timestamp":
                stamp = value
            elif key == "duration":
                duration = value
            elif key == "data":
                data = value
        append(build(len(events) + 1, stamp, duration, data))
    return events


def _value(tokens: Tokens, kind: str, value: Any, depth: int) -> Any:
    """A whole JSON value whose first token was ``kind, value``."""
    if kind == "start_map":
        if depth > MAX_DEPTH:
            raise ImportRefused(f"not an ActivityWatch export: nested deeper than {MAX_DEPTH}")
        mapping: dict[str, Any] = {}
        for kind, key in tokens:
            if kind == "end_map":
                return mapping
            kind, item = next(tokens)
            mapping[key] = item if kind in _SCALARS else _value(tokens, kind, item, depth + 1)
    if kind == "start_array":
        if depth > MAX_DEPTH:
            raise ImportRefused(f"not an ActivityWatch export: nested deeper than {MAX_DEPTH}")
        items: list[Any] = []
        for kind, item in tokens:
            if kind == "end_array":
                return items
            items.append(item if kind in _SCALARS else _value(tokens, kind, item, depth + 1))
    return value
