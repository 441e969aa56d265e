"""The emulator as an ASGI app: a small hand-written router, no web framework.

``create_app(config)`` returns the same app for both uses: served by uvicorn on a loopback port
(``tavusctl emulator``) and in-process through ``httpx.ASGITransport`` for fast tests.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from tavusctl.emulator import admin, routes
from tavusctl.emulator.config import EmulatorConfig
from tavusctl.emulator.http import NO_BODY, HttpError, Request, Response
from tavusctl.emulator.state import StateFile
from tavusctl.emulator.store import Store
from tavusctl.emulator.trouble import Fault, Trouble

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
LOG_LIMIT = 100_000  # the request log keeps the newest entries only
ABORT_EXTENSION = "tavusctl.abort"  # set by server.py: closes the TCP connection at once
WRITES = ("POST", "PATCH", "DELETE")
logger = logging.getLogger("tavusctl.emulator")


class Emulator:
    """The state behind one app: config, store, trouble, request log and state file."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.initial = config
        self.config = config
        self.store = Store(config)
        self.trouble = Trouble(config)
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)
        self.state = StateFile(config.state_file, self.store) if config.state_file else None
        if self.state is not None:
            self.state.load()

    def configure(self, changes: dict[str, Any]) -> None:
        """Change switches at run time (ValueError on a bad name or value)."""
        self.config = self.config.changed(changes)
        self.trouble.reconfigure(self.config)

    def reset(self) -> None:
        """Back to the state at start: no accounts, no log, no injections, initial switches."""
        self.config = self.initial
        version = self.store.version
        self.store = Store(self.initial)
        self.store.version = version + 1
        self.trouble = Trouble(self.initial)
        self.log.clear()
        if self.state is not None:
            self.state.store = self.store
            self.state.notify()

    def saved(self) -> None:
        """Tell the state file that the store may have changed."""
        if self.state is not None:
            self.state.notify()

    async def tavus(self, req: Request) -> Response | None:
        """Answer a Tavus API request, with trouble; None means: drop the connection."""
        entry = {"method": req.method, "path": req.path, "query": req.query, "status": None,
                 "body": req.logged_body()}  # fmt: skip
        self.log.append(entry)
        response = await self._troubled(req)
        entry["status"] = response.status if response is not None else None
        return response

    async def _troubled(self, req: Request) -> Response | None:
        # Decide in arrival order, before the (jittered) sleep reorders concurrent requests.
        wait = self.trouble.retry_after()
        fault = self.trouble.draw(
            req.method, req.path, req.method in WRITES, limited=wait is not None
        )
        await self.trouble.delay()
        if wait is not None:
            return Response(429, {"error": "Too many requests"}, {"retry-after": str(wait)})
        if fault is not None and not fault.after_write:
            return fault_response(fault)
        response = self._answer(req)
        return fault_response(fault) if fault is not None else response

    def _answer(self, req: Request) -> Response:
        try:
            return self._dispatch(req)
        except HttpError as exc:
            return exc.response
        finally:
            self.saved()

    def _dispatch(self, req: Request) -> Response:
        found = routes.route(req.method, req.path)
        if found is None:
            return Response(404, {"error": "Not found"})
        key = req.headers.get("x-api-key", "")
        if not key or (self.config.api_keys and key not in self.config.api_keys):
            return Response(401, {"message": "Invalid access token"})
        handler, ident = found
        return handler(self.store, self.config, self.store.account(key), req, ident)


def fault_response(fault: Fault) -> Response | None:
    """The response a fault sends instead of the real one (None: drop the connection)."""
    if fault.status is None:
        return None
    return Response(fault.status, fault.body, dict(fault.headers))


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
    return Request(scope["method"], path, query, headers, b"".join(chunks))


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
