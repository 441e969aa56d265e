"""httpx's own transport and httpcore's pool, with two costs taken out (issue 17, py-spy).

- Before every request and after every answer, httpcore's pool asks each kept-alive connection
  whether its socket became readable (a server that closed it). httpcore's anyio stream answers
  by looking the socket up through anyio's typed attributes, which builds a mapping of every
  attribute of the stream for each question: with 32 connections kept alive, a tenth of an
  apply's CPU. Here each stream looks its socket up once.
- The pool's bookkeeping (``_assign_requests_to_connections``, run twice per request) counted
  the connections once per idle connection: O(connections²) per request, a further tenth at 32
  connections. :class:`_Pool` does the same bookkeeping in one pass.

Everything else is httpx's and httpcore's: HTTP/1.1, TLS, timeouts, errors, the pool's queue.
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


class _Pool(httpcore.AsyncConnectionPool):
    """httpcore's pool, its bookkeeping in one pass over the connections."""

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        closing: list[httpcore.AsyncConnectionInterface] = []
        kept: list[httpcore.AsyncConnectionInterface] = []
        idle = 0
        for connection in self._connections:
            if connection.is_closed():
                continue
            if connection.has_expired():
                closing.append(connection)
                continue
            if connection.is_idle():
                if idle >= self._max_keepalive_connections:  # surplus idle connections go
                    closing.append(connection)
                    continue
                idle += 1
            kept.append(connection)
        self._connections = kept
        for pool_request in [r for r in self._requests if r.is_queued()]:
            origin = pool_request.request.url.origin
            chosen = next(
                (c for c in self._connections if c.can_handle_request(origin) and c.is_available()),
                None,
            )
            if chosen is None:
                if len(self._connections) >= self._max_connections:
                    spare = next((c for c in self._connections if c.is_idle()), None)
                    if spare is None:
                        continue  # stays queued until a connection is free
                    self._connections.remove(spare)
                    closing.append(spare)
                chosen = self.create_connection(origin)
                self._connections.append(chosen)
            pool_request.assign_to_connection(chosen)
        return closing


def _pool_like(pool: httpcore.AsyncConnectionPool) -> _Pool:
    """A :class:`_Pool` with the settings of ``pool`` (as httpx made it)."""
    return _Pool(
        ssl_context=pool._ssl_context,
        max_connections=pool._max_connections,
        max_keepalive_connections=pool._max_keepalive_connections,
        keepalive_expiry=pool._keepalive_expiry,
        http1=pool._http1,
        http2=pool._http2,
        retries=pool._retries,
        local_address=pool._local_address,
        uds=pool._uds,
        network_backend=_Backend(),
        socket_options=pool._socket_options,
    )


def lighten(client: httpx.AsyncClient) -> None:
    """Give ``client``'s own transport (not an injected one, not a proxy's) a :class:`_Pool`
    on the backend above, with the settings httpx chose; nothing if this httpx or httpcore
    keeps them elsewhere than where these versions do."""
    made = getattr(client, "_transport", None)
    if type(made) is not httpx.AsyncHTTPTransport:
        return
    pool = getattr(made, "_pool", None)
    if type(pool) is httpcore.AsyncConnectionPool and all(
        hasattr(pool, name) for name in _POOL_PARTS
    ):
        made._pool = _pool_like(pool)


# What :class:`_Pool` relies on in this httpcore (1.0): anything else leaves httpx's pool as is.
_POOL_PARTS = (
    "_assign_requests_to_connections", "_connections", "_requests", "_ssl_context",
    "_max_connections", "_max_keepalive_connections", "_keepalive_expiry", "_http1", "_http2",
    "_retries", "_local_address", "_uds", "_socket_options", "_network_backend",
)  # fmt: skip
