"""Request bodies read with two bounds: a size limit and a deadline for slow clients.

A client that sends its headers and then trickles (or stops sending) its body would hold a
worker and its device's in-flight slot forever: the whole body must arrive within
``timeout`` seconds, plus one second per ``MIN_RATE`` bytes it declares (a 32 MB screenshot
through the service on a slow uplink is not an attack), or it is answered 408. A client that
disconnects mid-body is not an error of the service: the handler answers nobody and logs one
line (``app._disconnected``).
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from ingest.errors import TimedOut, TooLarge

MIN_RATE = 1024 * 1024  # bytes a second any device's uplink manages


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The request body; TooLarge past ``limit`` bytes, TimedOut when it arrives too slowly.

    Raises starlette's ``ClientDisconnect`` when the client goes away before the end.
    """
    header = request.headers.get("content-length", "")
    declared = int(header) if header.isdigit() else 0
    if declared > limit:
        raise TooLarge(f"request body over {limit} bytes")
    timeout += declared / MIN_RATE
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
        raise TimedOut(f"request body not received within {timeout:.0f} seconds") from None
    return b"".join(chunks)
