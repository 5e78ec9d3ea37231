"""The ASGI app: routes, bearer-token auth, rate and size limits, one-line JSON errors.

Handlers read the body here (bounded in size and time, ``ingest.bodies``) and do their
storage work in a worker thread, so a slow database never stalls the event loop. What one
device may cost is bounded: a token bucket for its rate, at most ``in_flight`` requests of
it at once (429 for the next while other devices are served), times within a window around
the server's clock (``ingest.window``). Each request's device clock is measured on arrival
(``ingest.clock``) and its times judged in server time, for the window and for consent.
A client gone mid-body is one log line, no answer.
Every failure is answered as ``{"error": "one line"}``: 4xx for what the device can fix,
503 when storage is down (the collector's spool then retries), and a bare 500 only for a bug.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activity.wire import DEVICE_CLOCK_HEADER
from ingest import enrolment, screens
from ingest.bodies import read_body
from ingest.clock import DeviceClock, device_clock, max_skew_seconds
from ingest.enrolment import DeviceAuth
from ingest.errors import IngestError, RateLimited, Unauthorized
from ingest.payloads import parse_object, require
from ingest.ratelimit import InFlight, RateLimiter, retry_after_header
from ingest.window import Window, window_from
from ingest.writer import BatchWriter, state_json
from storage.config import Settings
from storage.errors import StorageError, UnknownSubject
from storage.objects.presign import CHECKSUM_HEADER

log = logging.getLogger("ingest")
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class IngestConfig:
    """Limits of the service; storage comes from ``settings``."""

    settings: Settings
    max_body: int = 4 * 1024 * 1024
    rate: float = 20.0  # requests a second per device, on average
    burst: int = 60
    presign_expires: int = 300
    in_flight: int = 2  # requests of one device at once
    body_timeout: float = 10.0  # seconds for a whole request body to arrive
    policy_ttl: float = 30.0  # seconds the ingest window's policies are cached
    clock: Callable[[], float] = field(default=time.time)  # the server's clock, epoch seconds


class _Service:
    """What the handlers share: the writer (database, object store) and the limiters."""

    def __init__(self, config: IngestConfig) -> None:
        self.config = config
        self.writer = BatchWriter(config.settings)
        self.limiter = RateLimiter(config.rate, config.burst)
        self.busy = InFlight(config.in_flight)
        self._policies: tuple[float, dict[str, Any]] | None = None
        self._policies_lock = threading.Lock()

    async def body(self, request: Request, limit: int) -> bytes:
        """The request body: 413 past ``limit`` bytes, 408 when it arrives too slowly."""
        return await read_body(request, limit, self.config.body_timeout)

    @contextmanager
    def slot(self, auth: DeviceAuth) -> Iterator[None]:
        """Hold one of the device's in-flight slots for the block; 429 when none is free."""
        if not self.busy.enter(auth.device_id):
            raise RateLimited("too many requests from this device at once; wait for one", 1.0)
        try:
            yield
        finally:
            self.busy.leave(auth.device_id)

    def policies(self, now: float) -> dict[str, Any]:
        """The policies, re-read every ``policy_ttl`` seconds."""
        with self._policies_lock:
            cached = self._policies
            if cached is None or now - cached[0] >= self.config.policy_ttl or now < cached[0]:
                cached = self._policies = (now, self.writer.policies())
        return cached[1]

    def clock(self, request: Request) -> DeviceClock:
        """The device's clock as measured on the request's arrival; 400 if off or malformed."""
        now = self.config.clock()
        header = request.headers.get(DEVICE_CLOCK_HEADER)
        return device_clock(header, now, max_skew_seconds(self.policies(now)))

    def window(self, clock: DeviceClock) -> Window:
        """The device times the request may write, judged in server time."""
        now = self.config.clock()
        return window_from(self.policies(now), now, clock.offset)

    def device(self, request: Request) -> enrolment.DeviceAuth:
        """The device of the bearer token, after its rate limit; 401 or 429 otherwise."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("missing bearer token; enrol the device first")
        auth = self.writer.authenticate(token.strip())
        wait = self.limiter.take(auth.device_id, time.monotonic())
        if wait > 0:
            raise RateLimited("too many requests from this device; slow down", wait)
        return auth


def create_app(config: IngestConfig) -> Starlette:
    """The ingestion app over the storage named in ``config.settings``."""
    service = _Service(config)

    async def health(_request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def enrol(request: Request) -> Response:
        payload = parse_object(await service.body(request, 4096))
        code = require(payload, "code", str)
        name = require(payload, "device_name", str)
        platform = require(payload, "platform", str, optional=True) or "unknown"
        result = await run_in_threadpool(service.writer.enrol, code, name, platform)
        return JSONResponse(result, status_code=201)

    async def state(request: Request) -> Response:
        auth = await run_in_threadpool(service.device, request)
        with service.slot(auth):
            subject = await run_in_threadpool(service.writer.state, auth)
        return JSONResponse(state_json(subject, auth))

    async def batches(request: Request) -> Response:
        auth = await run_in_threadpool(service.device, request)
        clock = await run_in_threadpool(service.clock, request)
        with service.slot(auth):
            payload = parse_object(await service.body(request, config.max_body))
            window = await run_in_threadpool(service.window, clock)
            writer = service.writer
            stored = await run_in_threadpool(writer.write_batch, payload, auth, window, clock.skew)
        return JSONResponse(stored)

    async def presign(request: Request) -> Response:
        auth = await run_in_threadpool(service.device, request)
        clock = await run_in_threadpool(service.clock, request)
        with service.slot(auth):
            payload = parse_object(await service.body(request, 4096))
            window = await run_in_threadpool(service.window, clock)
            upload = screens.announced(payload, auth, window)
            engine, store = service.writer.engine, service.writer.objects
            await run_in_threadpool(screens.refuse_after_stop, engine, upload, auth, clock.skew)
            expires = config.presign_expires
            answer = await run_in_threadpool(screens.presign, store, upload, expires)
        return JSONResponse(answer)

    async def upload(request: Request) -> Response:
        auth = await run_in_threadpool(service.device, request)
        clock = await run_in_threadpool(service.clock, request)
        with service.slot(auth):
            window = await run_in_threadpool(service.window, clock)
            key = screens.issued_key(request.path_params["key"], auth, window)
            body = await service.body(request, screens.MAX_SCREENSHOT)
            checksum = request.headers.get(CHECKSUM_HEADER, "")
            store = service.writer.objects
            await run_in_threadpool(screens.store_through_service, store, key, body, checksum)
        return JSONResponse({"stored": True})

    async def commit(request: Request) -> Response:
        auth = await run_in_threadpool(service.device, request)
        clock = await run_in_threadpool(service.clock, request)
        with service.slot(auth):
            payload = parse_object(await service.body(request, 4096))
            writer = service.writer
            await run_in_threadpool(
                screens.commit, writer.engine, writer.objects, payload, auth, clock.skew
            )
        return JSONResponse({"committed": True})

    routes = [
        Route("/v1/health", health, methods=["GET"]),
        Route("/v1/enrol", enrol, methods=["POST"]),
        Route("/v1/state", state, methods=["GET"]),
        Route("/v1/batches", batches, methods=["POST"]),
        Route("/v1/screenshots/presign", presign, methods=["POST"]),
        Route("/v1/screenshots/commit", commit, methods=["POST"]),
        Route("/v1/screenshots/{key:path}", upload, methods=["PUT"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ClientDisconnect: _disconnected,
            IngestError: _ingest_error,
            HTTPException: _http_error,
            StorageError: _unavailable,
            # A safety net: the writer translates these at its boundary (ingest.errors.database).
            SQLAlchemyError: _unavailable,
            Exception: _unexpected,
        },
        lifespan=_closing(service),
    )
    return app


def _closing(service: _Service) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        service.writer.close()

    return lifespan


async def _disconnected(request: Request, _exc: Exception) -> Response:
    # Nobody is left to answer; the device's spool resends. One line, no traceback, and no
    # path: an upload's path carries an object key.
    endpoint = getattr(request.scope.get("endpoint"), "__name__", "?")
    log.warning("a client disconnected before its %s request body ended; nothing stored", endpoint)
    return Response(status_code=400)


async def _ingest_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IngestError)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = retry_after_header(exc.retry_after)
    return JSONResponse({"error": _line(exc)}, status_code=exc.status, headers=headers)


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": _line(exc.detail)}, status_code=exc.status_code)


async def _unavailable(_request: Request, exc: Exception) -> Response:
    if isinstance(exc, UnknownSubject):
        return JSONResponse({"error": _line(exc)}, status_code=403)
    # Storage is down or refused: the device keeps its spool and retries later.
    log.warning("storage unavailable: %s", _line(exc))
    return JSONResponse(
        {"error": "storage unavailable; retry later"}, status_code=503, headers={"Retry-After": "5"}
    )


async def _unexpected(_request: Request, exc: Exception) -> Response:
    log.error("internal error (%s)", type(exc).__name__, exc_info=exc)
    return JSONResponse({"error": "internal error"}, status_code=500)


def _line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else "error"
