"""Data-subject rights: requests, deadlines, access rules, restriction and erasure (issue 6).

Every call takes the acting account (``Actor``) and enforces who may do what; every state
change and every access to a person's individual data is written to the audit log.
"""

from services.errors import AccessDenied, InvalidTransition, RequestNotFound, RightsError
from services.rights.access import Actor, load_actor
from services.rights.deadlines import add_months, due_at, extended_due_at, urgency
from services.rights.effects import (
    erase_for_request,
    give_consent,
    restrict_for_request,
    set_restriction,
    settle_erasure_copies,
)
from services.rights.requests import (
    Request,
    extend,
    file_request,
    get_request,
    list_requests,
    transition,
)

__all__ = [
    "AccessDenied",
    "Actor",
    "InvalidTransition",
    "Request",
    "RequestNotFound",
    "RightsError",
    "add_months",
    "due_at",
    "erase_for_request",
    "extend",
    "extended_due_at",
    "file_request",
    "get_request",
    "give_consent",
    "list_requests",
    "load_actor",
    "restrict_for_request",
    "set_restriction",
    "settle_erasure_copies",
    "transition",
    "urgency",
]
