"""Errors of the ingestion service, each carrying the HTTP status it answers with.

    IngestError          base: status 400
    ├── BadRequest       400  malformed JSON, wrong types, missing fields
    ├── Unauthorized     401  no token, unknown or revoked token, bad enrolment code
    ├── Forbidden        403  the token's person or device is not the one the data names
    ├── NotFound         404  no such route or object
    ├── TimedOut         408  the body did not arrive in time (a slow or stalled client)
    ├── Conflict         409  an object already exists under that key: never overwritten
    ├── Gone             410  captured after a withdrawal or objection: never stored, delete it
    ├── TooLarge         413  request body over the limit
    ├── Unprocessable    422  a batch failed its data contract (it was quarantined)
    └── RateLimited      429  the device sent too fast; ``retry_after`` seconds to wait

Messages are one line and never echo captured content (titles, keys, pixels). SQLAlchemy
errors are translated at the boundary (``database``): a value the database cannot hold is
``BadRequest`` (not 422, which tells the device its batch is safe in quarantine); anything
else (no connection, a dropped one, a pool timeout, two transactions racing for one key) is
``storage.errors.DatabaseError``, answered 503 so that the device keeps its spool and retries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DataError, SQLAlchemyError

from storage.errors import DatabaseError


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


class TimedOut(IngestError):
    """The request body did not arrive within the service's read timeout."""

    status = 408


class Conflict(IngestError):
    """Something else already exists under that screenshot's key; it is never overwritten."""

    status = 409


class Gone(IngestError):
    """Captured after the person withdrew consent or objected: never stored (delete it)."""

    status = 410


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


@contextmanager
def database(action: str, *, refuse_bad_data: bool = True) -> Iterator[None]:
    """Translate SQLAlchemy errors raised while doing ``action`` (no content in messages).

    With ``refuse_bad_data=False`` every database error answers 503 (retry later), as a
    device's batch writes always have: their rows were checked against the contract first.
    """
    try:
        yield
    except DataError as exc:
        if not refuse_bad_data:
            raise DatabaseError(f"cannot {action} now ({type(exc).__name__}); retry later") from exc
        # Retrying would never help: refuse the request (the device sets it aside).
        raise BadRequest(f"the database refused to {action}") from exc
    except SQLAlchemyError as exc:
        # IntegrityError included: the checks before every write leave mostly races between
        # concurrent transactions, which a retry resolves.
        raise DatabaseError(f"cannot {action} now ({type(exc).__name__}); retry later") from exc
