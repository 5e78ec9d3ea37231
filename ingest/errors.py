"""Errors of the ingestion service, each carrying the HTTP status it answers with.

    IngestError          base: status 400
    ├── BadRequest       400  malformed JSON, wrong types, missing fields
    ├── Unauthorized     401  no token, unknown or revoked token, bad enrolment code
    ├── Forbidden        403  the token's person or device is not the one the data names
    ├── NotFound         404  no such route or object
    ├── TooLarge         413  request body over the limit
    ├── Unprocessable    422  a batch failed its data contract (it was quarantined)
    └── RateLimited      429  the device sent too fast; ``retry_after`` seconds to wait

Messages are one line and never echo captured content (titles, keys, pixels).
"""

from __future__ import annotations


class IngestError(Exception):
    """Base class of every ingestion error; ``status`` is the HTTP answer."""

    status = 400


class BadRequest(IngestError):
    """The request is malformed: not JSON, wrong types, missing or unknown fields."""

    status = 400


class Unauthorized(IngestError):
    """No valid credential: missing, unknown or revoked token, or a spent enrolment code."""

    status = 401


class Forbidden(IngestError):
    """The token may not write what the request names (another person or device)."""

    status = 403


class NotFound(IngestError):
    """No such route or object."""

    status = 404


class TooLarge(IngestError):
    """The request body is over the service's size limit."""

    status = 413


class Unprocessable(IngestError):
    """The batch failed its data contract; it was quarantined, nothing of it written."""

    status = 422


class RateLimited(IngestError):
    """The device is over its request rate; retry after ``retry_after`` seconds."""

    status = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
