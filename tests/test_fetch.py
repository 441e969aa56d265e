"""Fetching live state: few requests, concurrent pages, and per-id fallbacks.

A tiny scripted list server (MockTransport) covers the odd servers; the request counts against
the real emulator are in ``test_fetch_emulator.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tavusctl.api.client import TavusClient
from tavusctl.api.fetch import LiveState, fetch_live
from tavusctl.core.secrets import SENSITIVE, Scrubber


class ListServer:
    """Serves ``n`` user personas (plus one system persona) like GET /v2/personas does."""

    def __init__(
        self,
        n: int,
        *,
        max_limit: int = 100,
        cap: int | None = None,
        total: bool = True,
        ignore_filter: bool = False,
    ) -> None:
        self.personas = [{"persona_id": f"p{i:03}", "persona_type": "user"} for i in range(n)]
        if ignore_filter:
            self.personas.insert(0, {"persona_id": "sys1", "persona_type": "system"})
        self.extra = {"p999": {"persona_id": "p999", "persona_name": "unlisted"}}
        self.max_limit, self.cap, self.total = max_limit, cap, total
        self.seen: list[tuple[str, dict[str, str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.seen.append((request.url.path, params))
        if request.url.path != "/v2/personas":
            found = self.extra.get(request.url.path.rsplit("/", 1)[-1])
            return httpx.Response(200, json=found) if found else httpx.Response(404)
        limit, page = int(params["limit"]), int(params["page"])
        if limit > self.max_limit:
            return httpx.Response(400, json={"error": "Invalid request: limit too large"})
        size = min(limit, self.cap or limit)
        items: list[dict[str, Any]] = self.personas[(page - 1) * size : page * size]
        body: dict[str, Any] = {"data": items}
        if self.total:
            body["total_count"] = len(self.personas)
        return httpx.Response(200, json=body)


def fetch(
    server: ListServer, wanted: tuple[str, ...] = (), scrubber: Scrubber | None = None
) -> LiveState:
    async def go() -> LiveState:
        transport = httpx.MockTransport(server)
        client = TavusClient("https://api.test", "k", transport=transport, scrubber=scrubber)
        async with client:
            return await fetch_live(client, wanted)

    return asyncio.run(go())


@pytest.mark.parametrize(("n", "requests"), [(0, 1), (1, 1), (100, 1), (101, 2), (250, 3)])
def test_fetch_reads_every_page_at_the_largest_size(n: int, requests: int) -> None:
    live = fetch(ListServer(n))
    assert sorted(live.personas) == [f"p{i:03}" for i in range(n)]
    assert live.requests == requests


def test_fetch_falls_back_to_a_smaller_page_size_when_refused() -> None:
    server = ListServer(120, max_limit=20)
    live = fetch(server)
    assert len(live.personas) == 120
    assert [p["limit"] for _, p in server.seen[:3]] == ["100", "50", "20"]
    assert live.requests == 2 + 6


def test_fetch_notices_a_page_size_capped_without_a_word() -> None:
    live = fetch(ListServer(120, cap=30))
    assert len(live.personas) == 120
    assert live.requests == 4


def test_fetch_pages_until_a_short_page_without_total_count() -> None:
    live = fetch(ListServer(230, total=False))
    assert len(live.personas) == 230
    assert live.requests == 3


def test_fetch_reads_wanted_personas_missing_from_the_list_one_by_one() -> None:
    server = ListServer(3)
    live = fetch(server, ("p001", "p999", "p404"))
    assert live.personas["p999"] == {"persona_id": "p999", "persona_name": "unlisted"}
    assert "p404" not in live.personas
    assert live.requests == 3
    assert sorted(path for path, _ in server.seen[1:]) == ["/v2/personas/p404", "/v2/personas/p999"]


def test_fetch_leaves_out_system_personas_even_if_the_filter_is_ignored() -> None:
    live = fetch(ListServer(2, ignore_filter=True))
    assert sorted(live.personas) == ["p000", "p001"]


def test_secrets_the_api_shows_in_clear_are_scrubbed_from_any_later_output() -> None:
    server = ListServer(0)
    llm = {"api_key": "sk-live-only-here", "headers": {"X-Token": "tok-live-only-here"}}
    server.personas.append({"persona_id": "p1", "layers": {"llm": llm}})  # type: ignore[dict-item]
    shown = Scrubber()
    fetch(server, scrubber=shown)
    message = "HTTP 400: sk-live-only-here and tok-live-only-here are not accepted"
    assert shown.scrub(message) == f"HTTP 400: {SENSITIVE} and {SENSITIVE} are not accepted"
