"""Fetching the live state of the account cheaply: few, concurrent requests.

For each kind, page 1 of its list is read with the largest page size the API accepts; its
``total_count`` says how many pages remain, and those are read concurrently. Wanted objects
that the list did not show (created between pages, or a list that omits some) are then read one
by one, concurrently. For N listed personas that is exactly ceil(N / 100) requests.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tavusctl.api.client import Page, TavusClient
from tavusctl.core.errors import ApiError, InvalidRequest
from tavusctl.kinds import KINDS, PERSONA, Kind

# Largest first; smaller sizes are tried only if the API refuses a size with 400.
PAGE_SIZES = (100, 50, 20, 10)

# The most list pages a fetch reads (100,000 personas at 100 a page). A total_count that needs
# more, or pages that never end without one, is refused: a server announcing 10^9 personas
# would otherwise have us request every page at once.
MAX_PAGES = 1000


@dataclass(frozen=True)
class LiveState:
    """The objects found, by kind name and then by id, and how many requests it took (in all,
    and by kind name)."""

    by_kind: dict[str, dict[str, dict[str, object]]]
    requests: int
    requests_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def personas(self) -> dict[str, dict[str, object]]:
        """The user personas found, by id."""
        return self.by_kind.get(PERSONA.name, {})

    @property
    def objects(self) -> dict[str, dict[str, object]]:
        """Every object found, of every kind, by id (Tavus ids differ across kinds)."""
        return {i: doc for docs in self.by_kind.values() for i, doc in docs.items()}


async def fetch_live(
    client: TavusClient, wanted_ids: Iterable[str] = (), kind: Kind = PERSONA
) -> LiveState:
    """Every object of ``kind`` on the account that we may manage, plus each wanted id (absent
    from the result if gone)."""
    start = client.requests_made
    pages = await _all_pages(client, kind)
    found = {kind.id_of(item): item for page in pages for item in page.items if kind.is_ours(item)}
    docs = {i: doc for i, doc in found.items() if i is not None}
    missing = sorted({i for i in wanted_ids if i not in docs})
    read = await asyncio.gather(*(client.get(kind, i) for i in missing))
    docs.update({i: doc for i, doc in zip(missing, read, strict=True) if doc is not None})
    for doc in docs.values():
        client.scrubber.add_shown(doc, kind.secrets)  # the API may show them, and echo them
    return LiveState({kind.name: docs}, client.requests_made - start)


async def fetch_account(
    client: TavusClient, wanted: Mapping[str, Iterable[str]], mentioned: Iterable[str] = ()
) -> LiveState:
    """The objects of every kind in use (see :func:`fetch_live`), concurrently. ``wanted``
    maps a kind's name to the ids to read even if its list does not show them (the ids the
    state records); ``mentioned`` names the kinds the manifests declare. A kind neither
    mentioned nor with a wanted id is not read at all: no request.

    A Persona and a PAL are one object seen through two collections: an id found under both
    is kept under the kind that wants it (else the first kind), so that ``objects`` gives each
    recorded id in its own kind's words.
    """
    start, before = client.requests_made, dict(client.requests_to)
    ids = {name: set(found) for name, found in wanted.items()}
    used = {name for name, found in ids.items() if found} | set(mentioned)
    states = await asyncio.gather(
        *(
            fetch_live(client, ids.get(name, ()), kind)
            for name, kind in KINDS.items()
            if name in used
        )
    )
    by_kind = {name: docs for state in states for name, docs in state.by_kind.items()}
    counts = {
        name: client.requests_to[kind.collection] - before.get(kind.collection, 0)
        for name, kind in KINDS.items()
        if name in used
    }
    return LiveState(_one_view_each(by_kind, ids), client.requests_made - start, counts)


def _one_view_each(
    by_kind: dict[str, dict[str, dict[str, object]]], wanted: Mapping[str, set[str]]
) -> dict[str, dict[str, dict[str, object]]]:
    """Each id under one kind only: the kind that wants it, else the first that found it."""
    owner: dict[str, str] = {}
    for name, docs in by_kind.items():
        for object_id in docs:
            if object_id in wanted.get(name, ()):
                owner[object_id] = name
            else:
                owner.setdefault(object_id, name)
    return {
        name: {i: doc for i, doc in docs.items() if owner[i] == name}
        for name, docs in by_kind.items()
    }


async def _all_pages(client: TavusClient, kind: Kind) -> list[Page]:
    first, limit = await _first_page(client, kind)
    size = len(first.items)
    if first.total_count is None:
        return [first, *await _pages_until_short(client, kind, limit, size)]
    if size < limit and size < first.total_count:
        limit = max(size, 1)  # the server capped the page size without saying so
    count = math.ceil(first.total_count / limit)
    if count > MAX_PAGES:
        raise _too_many(
            kind, f"says it holds {first.total_count} {kind.plural} ({count} pages of {limit})"
        )
    rest = await asyncio.gather(
        *(client.list_page(kind, page=p, limit=limit) for p in range(2, count + 1))
    )
    return [first, *rest]


async def _first_page(client: TavusClient, kind: Kind) -> tuple[Page, int]:
    """Page 1 at the largest page size the API accepts."""
    for limit in PAGE_SIZES[:-1]:
        try:
            return await client.list_page(kind, page=1, limit=limit), limit
        except InvalidRequest:
            continue
    limit = PAGE_SIZES[-1]
    return await client.list_page(kind, page=1, limit=limit), limit


async def _pages_until_short(client: TavusClient, kind: Kind, limit: int, size: int) -> list[Page]:
    """Sequential pages after page 1, for a server that gives no total_count."""
    pages: list[Page] = []
    page = 1
    while size >= limit and size > 0:
        if page == MAX_PAGES:
            raise _too_many(kind, f"gave {MAX_PAGES} full pages of {limit} without a last one")
        page += 1
        pages.append(await client.list_page(kind, page=page, limit=limit))
        size = len(pages[-1].items)
    return pages


def _too_many(kind: Kind, what: str) -> ApiError:
    return ApiError(
        f"The {kind.noun} list {what}; tavusctl reads at most {MAX_PAGES} pages "
        f"({MAX_PAGES * PAGE_SIZES[0]:,} {kind.plural}) and stopped. Check --api-url (TAVUS_API_URL): "
        "this does not look like the Tavus API."
    )
