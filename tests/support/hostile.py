"""A small hostile HTTP server on 127.0.0.1: it answers the way a broken or malicious API might.

The emulator behaves like Tavus; this server misbehaves on purpose (a lying ``total_count``, an
answer dribbled one byte at a time, a 300 MB page, terminal escapes in an error text, a body
that echoes the request). A test sets ``server.handler`` to a function of the request that
returns a :class:`Reply`; every request is kept in ``server.seen``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest


@dataclass(frozen=True)
class Request:
    """What the server received."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Reply:
    """An answer: status, headers, and the body as bytes or as chunks sent with a pause each."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    pause: float = 0.0  # seconds between chunks

    @classmethod
    def json(cls, doc: Any, status: int = 200) -> Reply:
        return cls(status, json.dumps(doc).encode(), {"content-type": "application/json"})


Handler = Callable[[Request], Reply]


def empty_list(_: Request) -> Reply:
    return Reply.json({"data": [], "total_count": 0})


class HostileServer:
    """A threaded HTTP/1.1 server; ``url`` is its base URL."""

    def __init__(self) -> None:
        self.handler: Handler = empty_list
        self.seen: list[Request] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                request = Request(self.command, parts.path, query, body)
                outer.seen.append(request)
                reply = outer.handler(request)
                self._answer(reply)

            def _answer(self, reply: Reply) -> None:
                chunks = [reply.body] if isinstance(reply.body, bytes) else reply.body
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if isinstance(reply.body, bytes):
                    self.send_header("content-length", str(len(reply.body)))
                else:
                    self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                try:
                    self._write(chunks, reply, chunked=not isinstance(reply.body, bytes))
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _write(self, chunks: Iterable[bytes], reply: Reply, *, chunked: bool) -> None:
                for chunk in chunks:
                    if chunked:
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    else:
                        self.wfile.write(chunk)
                    self.wfile.flush()
                    if reply.pause:
                        time.sleep(reply.pause)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def env(self, key: str = "hostile-key") -> dict[str, str]:
        """Environment pointing the CLI at this server, with short timeouts."""
        return {"TAVUS_API_URL": self.url, "TAVUS_API_KEY": key, "TAVUSCTL_TIMEOUT": "2"}

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def dribble(data: bytes, size: int = 1) -> Iterator[bytes]:
    """``data`` in chunks of ``size`` bytes."""
    for i in range(0, len(data), size):
        yield data[i : i + size]


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A fresh hostile server for one test."""
    server = HostileServer()
    try:
        yield server
    finally:
        server.close()


class Rewriting(httpx.AsyncBaseTransport):
    """A server that changes what it is sent, or what it answers, in front of another.

    ``request(method, path, body)`` returns the JSON body the server really stores (a server
    that trims strings, say); ``response(method, path, doc)`` the JSON it really answers (a
    server whose clock is behind). Non-JSON bodies pass untouched.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        request: Callable[[str, str, Any], Any] | None = None,
        response: Callable[[str, str, Any], Any] | None = None,
    ) -> None:
        self.inner = inner
        self.on_request = request or (lambda _m, _p, body: body)
        self.on_response = response or (lambda _m, _p, doc: doc)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        method, path = request.method, request.url.path
        content = await request.aread()
        if content:
            body = self.on_request(method, path, json.loads(content))
            request = httpx.Request(
                method, request.url, headers=_without_length(request.headers), json=body
            )
        answer = await self.inner.handle_async_request(request)
        data = await answer.aread()
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            return httpx.Response(answer.status_code, headers=answer.headers, content=data)
        out = self.on_response(method, path, doc)
        headers = _without_length(answer.headers)
        return httpx.Response(answer.status_code, headers=headers, json=out)


def _without_length(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.multi_items() if k.lower() != "content-length"]
