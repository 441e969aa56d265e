"""Fetching the live state of the account cheaply: few, concurrent requests.

Page 1 of the persona list is read with the largest page size the API accepts; its
``total_count`` says how many pages remain, and those are read concurrently. Wanted personas
that the list did not show (created between pages, or a list that omits some) are then read one
by one, concurrently. For N listed personas that is exactly ceil(N / 100) requests.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tavusctl.api.client import PersonaPage, TavusClient
from tavusctl.core.errors import ApiError, InvalidRequest
from tavusctl.core.secrets import remember_all

# Largest first; smaller sizes are tried only if the API refuses a size with 400.
PAGE_SIZES = (100, 50, 20, 10)

# The most list pages a fetch reads (100,000 personas at 100 a page). A total_count that needs
# more, or pages that never end without one, is refused: a server announcing 10^9 personas
# would otherwise have us request every page at once.
MAX_PAGES = 1000


@dataclass(frozen=True)
class LiveState:
    """The user personas found, by id, and how many requests it took to find them."""

    personas: dict[str, dict[str, Any]]
    requests: int


async def fetch_live(client: TavusClient, wanted_ids: Iterable[str] = ()) -> LiveState:
    """Every user persona on the account, plus each wanted id (absent from the result if gone)."""
    start = client.requests_made
    pages = await _all_pages(client)
    personas = {
        str(item["persona_id"]): item for page in pages for item in page.items if _is_user(item)
    }
    missing = sorted({i for i in wanted_ids if i not in personas})
    found = await asyncio.gather(*(client.get_persona(i) for i in missing))
    personas.update({i: doc for i, doc in zip(missing, found, strict=True) if doc is not None})
    for doc in personas.values():
        remember_all(doc)  # the API may show secrets in clear, and may echo them in errors
    return LiveState(personas, client.requests_made - start)


def _is_user(item: dict[str, Any]) -> bool:
    # The list is asked for user personas only, but a server that ignores the filter must not
    # make system personas look like ours.
    return isinstance(item.get("persona_id"), str) and item.get("persona_type") != "system"


async def _all_pages(client: TavusClient) -> list[PersonaPage]:
    first, limit = await _first_page(client)
    size = len(first.items)
    if first.total_count is None:
        return [first, *await _pages_until_short(client, limit, size)]
    if size < limit and size < first.total_count:
        limit = max(size, 1)  # the server capped the page size without saying so
    count = math.ceil(first.total_count / limit)
    if count > MAX_PAGES:
        raise _too_many(f"says it holds {first.total_count} personas ({count} pages of {limit})")
    rest = await asyncio.gather(
        *(client.list_personas(page=p, limit=limit) for p in range(2, count + 1))
    )
    return [first, *rest]


async def _first_page(client: TavusClient) -> tuple[PersonaPage, int]:
    """Page 1 at the largest page size the API accepts."""
    for limit in PAGE_SIZES[:-1]:
        try:
            return await client.list_personas(page=1, limit=limit), limit
        except InvalidRequest:
            continue
    limit = PAGE_SIZES[-1]
    return await client.list_personas(page=1, limit=limit), limit


async def _pages_until_short(client: TavusClient, limit: int, size: int) -> list[PersonaPage]:
    """Sequential pages after page 1, for a server that gives no total_count."""
    pages: list[PersonaPage] = []
    page = 1
    while size >= limit and size > 0:
        if page == MAX_PAGES:
            raise _too_many(f"gave {MAX_PAGES} full pages of {limit} without a last one")
        page += 1
        pages.append(await client.list_personas(page=page, limit=limit))
        size = len(pages[-1].items)
    return pages


def _too_many(what: str) -> ApiError:
    return ApiError(
        f"The persona list {what}; tavusctl reads at most {MAX_PAGES} pages "
        f"({MAX_PAGES * PAGE_SIZES[0]:,} personas) and stopped. Check --api-url (TAVUS_API_URL): "
        "this does not look like the Tavus API."
    )
