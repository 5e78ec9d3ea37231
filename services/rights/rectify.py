"""Rectification: the person flags wrong profile fields or time wrongly tracked.

The request carries the correction in ``details``: ``{"profile": {field: value}}`` and/or
``{"untracked": [[start_ts, end_ts], ...]}`` (epoch seconds, UTC). Once the DPO approved
it, ``apply_rectification`` changes the profile, removes the activity, spans and screenshots
of the untracked ranges and recomputes the rollups, so analytics counts the corrected data.
The original profile values are kept in the request (retained as long as rights requests
are, for the audit) and never in the audit log, which records field names and counts only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from services.errors import InvalidTransition
from services.rights.access import Actor, require_dpo
from services.rights.requests import Request, file_request, load_request, transition
from storage import audit
from storage.db.schema import activity_minutes, app_spans, people, rights_requests, screenshots
from storage.facade import Storage
from storage.people import check_profile
from storage.rollups import rebuild_person, refresh_rollups

PROFILE_FIELDS = ("display_name", "email", "timezone")
MAX_RANGE_SECONDS = 31 * 86_400


def check_correction(profile: dict[str, str], untracked: list[tuple[int, int]]) -> None:
    """ValueError unless the correction names known fields and sane, bounded ranges."""
    if not profile and not untracked:
        raise InvalidTransition("a rectification needs a profile field or an untracked range")
    unknown = sorted(set(profile) - set(PROFILE_FIELDS))
    if unknown:
        raise InvalidTransition(
            f"cannot rectify {', '.join(unknown)}; fields: {', '.join(PROFILE_FIELDS)}"
        )
    for start, end in untracked:
        if not 0 <= start < end or end - start > MAX_RANGE_SECONDS:
            raise InvalidTransition("an untracked range is START < END, at most 31 days long")
    try:  # the admin forms' rules: a time zone, an e-mail address, a one-line name
        check_profile(profile)
    except ValueError as exc:
        raise InvalidTransition(str(exc)) from exc


def file_rectification(
    connection: Connection,
    actor: Actor,
    person_id: int,
    now: datetime,
    *,
    profile: dict[str, str] | None = None,
    untracked: list[tuple[int, int]] | None = None,
    identity_verification: str | None = None,
) -> Request:
    """File a rectification request carrying the correction."""
    profile, untracked = dict(profile or {}), list(untracked or [])
    check_correction(profile, untracked)
    details = {"profile": profile, "untracked": [list(r) for r in untracked]}
    return file_request(
        connection, actor, person_id, "rectification", now,
        identity_verification=identity_verification, details=details,
    )  # fmt: skip


def _remove_range(
    storage: Storage, connection: Connection, person_id: int, start: int, end: int
) -> dict[str, int]:
    mine = (app_spans.c.person_id == person_id, app_spans.c.start_ts < end)
    clipped = connection.execute(
        update(app_spans)
        .where(*mine, app_spans.c.start_ts < start, app_spans.c.end_ts > start)
        .values(end_ts=start)
    ).rowcount
    spans = connection.execute(delete(app_spans).where(*mine, app_spans.c.start_ts >= start))
    minutes = connection.execute(
        delete(activity_minutes).where(
            activity_minutes.c.person_id == person_id,
            activity_minutes.c.minute >= start,
            activity_minutes.c.minute < end,
        )
    )
    in_range = (
        screenshots.c.person_id == person_id,
        screenshots.c.taken_at >= start,
        screenshots.c.taken_at < end,
    )
    keys = list(connection.execute(select(screenshots.c.object_key).where(*in_range)).scalars())
    connection.execute(delete(screenshots).where(*in_range))
    for key in keys:
        storage.objects.delete(key)
    return {
        "minutes": int(minutes.rowcount),
        "spans": int(spans.rowcount),
        "spans_clipped": int(clipped),
        "screenshots": len(keys),
    }


def apply_rectification(
    storage: Storage, connection: Connection, actor: Actor, request_id: int, now: datetime
) -> Request:
    """Carry out an approved rectification request and close it."""
    require_dpo(actor)
    request = load_request(connection, request_id)
    if request.kind != "rectification":
        raise InvalidTransition(f"request {request_id} is {request.kind}, not rectification")
    if request.state not in ("approved", "in_progress") or request.person_id is None:
        raise InvalidTransition(f"request {request_id} is {request.state}; it needs approval")
    person_id = request.person_id
    profile: dict[str, str] = dict(request.details.get("profile", {}))
    ranges = [(int(a), int(b)) for a, b in request.details.get("untracked", [])]
    check_correction(profile, ranges)  # again at applying: the rules may have changed
    cleaned = check_profile(profile)
    row = connection.execute(select(people).where(people.c.id == person_id)).one()
    original = {name: getattr(row, name) for name in cleaned}
    if cleaned:
        connection.execute(update(people).where(people.c.id == person_id).values(**cleaned))
    tz = cleaned.get("timezone") or row.timezone
    removed: dict[str, int] = {}
    for start, end in ranges:
        for name, count in _remove_range(storage, connection, person_id, start, end).items():
            removed[name] = removed.get(name, 0) + count
        refresh_rollups(connection, person_id, start, end, tz)
    if "timezone" in profile:
        rebuild_person(connection, person_id, tz)  # local days moved: recompute them all
    details: dict[str, Any] = {**request.details, "original": original, "removed": removed}
    connection.execute(
        update(rights_requests).where(rights_requests.c.id == request_id).values(details=details)
    )
    audit.append(
        connection, actor.ref, "rectification.applied", audit.person_ref(person_id),
        {"request": request_id, "fields": sorted(profile), "removed": removed}, now,
    )  # fmt: skip
    if request.state == "approved":
        transition(connection, actor, request_id, "start", now)
    return transition(connection, actor, request_id, "complete", now)
