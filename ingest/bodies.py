"""Request bodies read with two bounds: a size limit and a deadline for slow clients.

A client that sends its headers and then trickles (or stops sending) its body would hold a
worker and its device's in-flight slot forever: the whole body must arrive within
``timeout`` seconds (408 otherwise). A client that disconnects mid-body is not an error of
the service: the handler answers nobody and logs one line (``app._disconnected``).
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from ingest.errors import TimedOut, TooLarge


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The request body; TooLarge past ``limit`` bytes, TimedOut after ``timeout`` seconds.

    Raises starlette's ``ClientDisconnect`` when the client goes away before the end.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body over {limit} bytes")
    chunks: list[bytes] = []
    try:
        async with asyncio.timeout(timeout):
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"request body over {limit} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise TimedOut(f"request body not received within {timeout:g} seconds") from None
    return b"".join(chunks)
