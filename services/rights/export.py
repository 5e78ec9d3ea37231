"""Access and portability exports: one ZIP per request, for its subject or the DPO.

The subject may download the export of their own approved (or completed) access or
portability request; the DPO may produce it, which completes the request and keeps the
archive (sealed, ``storage.exports``) so that both can download it again for the request's
life. Every export is an access to individual data and is written to the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from services.errors import InvalidTransition
from services.rights.access import Actor, check_subject
from services.rights.export_data import gather
from services.rights.export_formats import (
    activitywatch,
    build_zip,
    column_categories,
    summary_html,
    to_csv,
    to_json,
)
from services.rights.requests import load_request, transition
from storage import audit
from storage.exports import store_export
from storage.facade import Storage
from storage.policies import load_policies

EXPORT_KINDS = ("access", "portability")
EXPORTABLE_STATES = ("approved", "in_progress", "completed")


def export_request(
    storage: Storage, connection: Connection, actor: Actor, request_id: int, now: datetime
) -> bytes:
    """The ZIP of everything held about the request's subject (see module doc)."""
    request = load_request(connection, request_id)
    check_subject(actor, request.person_id)
    if request.kind not in EXPORT_KINDS:
        raise InvalidTransition(f"request {request_id} is {request.kind}, not access/portability")
    if request.state not in EXPORTABLE_STATES or request.person_id is None:
        raise InvalidTransition(
            f"request {request_id} is {request.state}; an export needs an approved request"
        )
    holdings = gather(storage, connection, request.person_id)
    policy: dict[str, int] = dict(load_policies(connection)["retention_days"])
    files: dict[str, bytes] = {}
    profile = holdings.datasets.get("profile") or [{}]
    zone = ZoneInfo(str(profile[0].get("timezone") or "UTC"))
    for dataset, rows in holdings.datasets.items():
        files[f"data/{dataset}.json"] = to_json(rows)
        files[f"data/{dataset}.csv"] = to_csv(rows, zone)  # for people: ISO times too
    for shot in holdings.screenshots:
        files[shot.name] = shot.image
    files["activitywatch.json"] = activitywatch(holdings, now)
    files["summary.html"] = summary_html(holdings, policy, request_id, now)
    manifest: dict[str, Any] = {
        "request": request_id,
        "kind": request.kind,
        "generated_at": now.isoformat(),
        "format": "traqnext-export/1",
        "columns": column_categories(holdings),
    }
    archive = build_zip(files, manifest)
    audit.append(
        connection, actor.ref, "export.created", audit.person_ref(request.person_id),
        {"request": request_id, "files": len(files) + 1}, now,
    )  # fmt: skip
    if actor.is_dpo and request.state != "completed":
        if request.state == "approved":
            transition(connection, actor, request_id, "start", now)
        transition(connection, actor, request_id, "complete", now)
        store_export(
            connection, storage.objects, storage.vault, request.person_id, request_id, archive, now
        )
    return archive
