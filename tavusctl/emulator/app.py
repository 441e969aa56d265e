"""The emulator as an ASGI app: a small hand-written router, no web framework.

``create_app(config)`` returns the same app for both uses: served by uvicorn on a loopback port
(``tavusctl emulator``) and in-process through ``httpx.ASGITransport`` for fast tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from tavusctl.emulator import admin
from tavusctl.emulator.config import EmulatorConfig
from tavusctl.emulator.http import NO_BODY, Request, Response
from tavusctl.emulator.service import Emulator

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ABORT_EXTENSION = "tavusctl.abort"  # set by server.py: closes the TCP connection at once
logger = logging.getLogger("tavusctl.emulator")


class EmulatorApp:
    """The ASGI callable. ``.emulator`` exposes the state to in-process tests."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        req = await read_request(scope, receive)
        try:
            if req.path.startswith(admin.PREFIX):
                response: Response | None = await admin.handle(self.emulator, req)
            else:
                response = await self.emulator.tavus(req)
        except Exception:  # a bug: say so in the log and answer 500, as a real server would
            logger.exception("Emulator error on %s %s", req.method, req.path)
            response = Response(500, {"error": "Internal server error"})
        if response is None:
            await drop_connection(scope)
        else:
            await send_response(send, response)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.emulator.state is not None:
                    await self.emulator.state.flush()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(config: EmulatorConfig) -> EmulatorApp:
    """The emulator app for ``config`` (loads ``config.state_file`` if it exists)."""
    return EmulatorApp(Emulator(config))


async def read_request(scope: Scope, receive: Receive) -> Request:
    """Read the whole request; the path loses one trailing slash (§2.1)."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    path = scope["path"]
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    peer = scope.get("client")
    client = f"{peer[0]}:{peer[1]}" if peer else None
    return Request(scope["method"], path, query, headers, b"".join(chunks), client)


async def send_response(send: Send, response: Response) -> None:
    """Send a JSON response; 204/304 and empty answers carry no body and no content type."""
    body = response.encoded()
    headers = [(k.lower().encode(), v.encode()) for k, v in response.headers.items()]
    if response.body is not NO_BODY:
        headers.append((b"content-type", b"application/json"))
    if response.status not in (204, 304):
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def drop_connection(scope: Scope) -> None:
    """Close the connection without an answer: the client sees a connection error, not a 500."""
    abort = scope.get("extensions", {}).get(ABORT_EXTENSION)
    if abort is None:  # in-process: fail the way httpx does when a server hangs up
        import httpx

        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    abort()
    await asyncio.sleep(0)  # let the server see the disconnect before the app returns
    await asyncio.sleep(0)
