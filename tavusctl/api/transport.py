"""httpx's own transport over httpcore's anyio backend, with one cost taken out.

Before every request and after every answer, httpcore's pool asks each kept-alive connection
whether its socket became readable (a server that closed it). httpcore's anyio stream answers
by looking the socket up through anyio's typed attributes, which builds a mapping of every
attribute of the stream for each question: with 32 connections kept alive that was a tenth of
an apply's CPU (py-spy, issue 17). Here each stream looks its socket up once.

Everything else is httpx's and httpcore's: the same pool, HTTP/1.1, TLS, timeouts, errors.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx


class _Stream(httpcore.AsyncNetworkStream):
    """An httpcore stream whose socket is looked up once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._sock: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._sock is not None:
            return _readable(self._sock)
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket) -> bool:
    """Whether reading ``sock`` would not block (data or EOF waiting), as httpcore asks it."""
    if sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, its streams wrapped in :class:`_Stream`."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def lighten(client: httpx.AsyncClient) -> None:
    """Put the pool of ``client``'s own transport (not an injected one, not a proxy's) on the
    backend above; nothing if this httpx keeps its pool elsewhere than where this version does."""
    made = getattr(client, "_transport", None)
    if type(made) is not httpx.AsyncHTTPTransport:
        return
    pool = getattr(made, "_pool", None)
    if type(pool) is httpcore.AsyncConnectionPool and hasattr(pool, "_network_backend"):
        pool._network_backend = _Backend()
