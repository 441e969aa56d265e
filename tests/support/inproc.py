"""The emulator in-process (``httpx.ASGITransport``): a TavusClient over it and its admin hooks.

For fast executor and client tests that need a real Tavus-like server but not a socket. Use it
inside one ``asyncio.run``: the transport belongs to the event loop that first uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tavusctl.api.client import TavusClient
from tavusctl.api.retry import RetryPolicy
from tavusctl.emulator.app import create_app
from tavusctl.emulator.config import EmulatorConfig

API_KEY = "test-key"
BASE_URL = "http://emulator"


async def no_sleep(_seconds: float) -> None:
    """Retries in tests do not wait."""


class InProcess:
    """One emulator app with the given switches; ``transport`` is what clients talk through."""

    def __init__(self, **switches: Any) -> None:
        self.app = create_app(EmulatorConfig(**switches))
        self.transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=self.app)
        self._admin = httpx.AsyncClient(transport=self.transport, base_url=BASE_URL)

    def client(self, **options: Any) -> TavusClient:
        """A TavusClient over this emulator whose retries do not sleep."""
        options.setdefault("retry", RetryPolicy(sleep=no_sleep))
        # In process nothing is slow; a short timeout keeps waits for in-flight creates short.
        options.setdefault("timeout", 1.0)
        return TavusClient(BASE_URL, API_KEY, transport=self.transport, **options)

    def wrap(self, before: Callable[[httpx.Request], Any]) -> None:
        """Call ``await before(request)`` (if it returns an awaitable) before each request."""
        self.transport = _Spy(self.transport, before)

    async def hook(self, method: str, name: str, body: Any = None) -> Any:
        """Call ``/_emulator/<name>``; the parsed answer (None if empty). Fails on an error."""
        response = await self._admin.request(
            method, f"/_emulator/{name}", json=body, headers={"x-api-key": API_KEY}
        )
        assert response.status_code < 400, f"hook {method} {name}: {response.text}"
        return response.json() if response.content else None

    async def personas(self) -> list[dict[str, Any]]:
        """The account's user personas, oldest first, as stored."""
        return list((await self.hook("GET", "personas"))["data"])

    async def seed(self, *bodies: dict[str, Any]) -> list[str]:
        """Create personas behind tavusctl's back; their ids."""
        answer = await self.hook("POST", "seed", {"api_key": API_KEY, "personas": list(bodies)})
        return list(answer["persona_ids"])

    async def edit(self, persona_id: str, ops: list[dict[str, Any]]) -> None:
        """A dashboard edit (not logged)."""
        await self.hook("PATCH", f"personas/{persona_id}", ops)

    async def inject(self, method: str, path: str, **fault: Any) -> None:
        """Answer the next request(s) for ``method path`` with a fault (see the emulator docs)."""
        await self.hook("POST", "inject", {"method": method, "path": path, **fault})

    async def requests(self) -> list[tuple[str, str]]:
        """(method, path) of every Tavus request so far."""
        log = (await self.hook("GET", "requests"))["requests"]
        return [(r["method"], r["path"]) for r in log]

    async def bodies(self, method: str) -> list[Any]:
        """The request bodies of every logged ``method`` request."""
        log = (await self.hook("GET", "requests"))["requests"]
        return [r["body"] for r in log if r["method"] == method]


class _Spy(httpx.AsyncBaseTransport):
    """Runs a callback before passing each request on (lets a test look at the lockfile at the
    moment a request is sent, or act between two requests)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, before: Callable[[httpx.Request], Any]):
        self.inner, self.before = inner, before

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        result = self.before(request)
        if hasattr(result, "__await__"):
            await result
        return await self.inner.handle_async_request(request)
