"""Serve the emulator with uvicorn: HTTP/1.1 with keep-alive, clean stop on SIGINT/SIGTERM.

uvicorn because it is a well-known asyncio server that holds hundreds of concurrent keep-alive
connections; the standard library's servers do not without threads per connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from tavusctl.core.errors import UsageError
from tavusctl.emulator.app import ABORT_EXTENSION, EmulatorApp, Receive, Scope, Send, create_app
from tavusctl.emulator.config import EmulatorConfig

BACKLOG = 2048


class AbortableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, giving the app a way to drop the TCP connection.

    ASGI has no "hang up" message, and an app that fails before answering gets a 500 from
    uvicorn; a fault that drops the connection must look like a network failure instead.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        inner = self.app

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            scope["extensions"] = {
                **(scope.get("extensions") or {}),
                ABORT_EXTENSION: transport.abort,
            }
            await inner(scope, receive, send)

        self.app = app


class QuietServer(uvicorn.Server):
    """A uvicorn server that, after a clean shutdown on a signal, does not re-raise the signal."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()


def uvicorn_config(app: EmulatorApp) -> Any:
    """uvicorn settings for many concurrent keep-alive clients."""
    return uvicorn.Config(
        app,
        http=AbortableH11Protocol,
        loop="asyncio",
        lifespan="on",
        log_level="warning",
        access_log=False,
        backlog=BACKLOG,
        limit_concurrency=None,
        timeout_keep_alive=30,
    )


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; a clear error when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"Cannot listen on {host}:{port} ({exc.strerror}); choose another --port."
        ) from None
    sock.listen(BACKLOG)
    return sock


def url_of(sock: socket.socket) -> str:
    """The http:// URL a bound socket serves."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(config: EmulatorConfig, host: str, port: int) -> None:
    """Run until SIGINT/SIGTERM; print the URL on stderr once clients can connect."""
    app = create_app(config)
    sock = bind(host, port)
    server = QuietServer(uvicorn_config(app))
    print(
        f"Tavus emulator listening on {url_of(sock)} (Ctrl-C to stop)", file=sys.stderr, flush=True
    )
    server.run(sockets=[sock])
    print("Tavus emulator stopped.", file=sys.stderr, flush=True)
