"""Request limits: body sizes, enforced before any endpoint reads a byte of JSON,
and how many pulls run at once.

The body is read here (up to the limit) and handed on whole, so a request
without Content-Length (chunked) is held to the same limit as one with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import error_response
from sync.protocol import MAX_BATCH, MAX_PUSH_BYTES, PATH_PUSH

# Everything but a push is small: enrolment is a few hundred bytes.
DEFAULT_MAX_BYTES = 64 * 1024


# Pulls in the worker threads at once, the others waiting on the event loop. A
# page is Python work with waits on the database (a stamping run's fsync among
# them): 40 at once (the thread pool) fought over the interpreter, each holding
# a connection past the pool's ten kept ones, so PostgreSQL forked a backend per
# request; 4 left the server waiting (2,000 kiosks: 22 pulls/s paced, 8: 29).
PULLS_AT_ONCE = 8


class Admission:
    """At most ``limit`` holders at once, on whichever event loop the app runs
    (a test client runs each of its clients' requests on a loop of its own)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._by_loop = weakref.WeakKeyDictionary()

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        semaphore = self._by_loop.get(loop)
        if semaphore is None:
            semaphore = self._by_loop[loop] = asyncio.Semaphore(self.limit)
        async with semaphore:
            yield


def max_body_bytes(path: str) -> int:
    return MAX_PUSH_BYTES if path == PATH_PUSH else DEFAULT_MAX_BYTES


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = max_body_bytes(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope, receive, send, limit)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
            if len(body) > limit:
                await _too_large(scope, receive, send, limit)
                return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    is_push = scope["path"] == PATH_PUSH
    response = error_response(
        413,
        "request_too_large",
        f"the request body is over the limit of {limit} bytes"
        + (f"; send at most {MAX_BATCH} mutations per push, in smaller batches" if is_push else ""),
        max_mutations=MAX_BATCH if is_push else None,
        max_bytes=limit,
    )
    await response(scope, receive, send)
