"""The Tavus routes: personas (§3), replicas (§7) and conversations (§8), and their 2026
aliases ``/v2/pals`` and ``/v2/faces`` over the same stores (tavus-api-2026.md); the 2026
collections of objects.py (guardrails).

Each handler takes the store, the current config, the caller's account and the request, and
returns a Response or raises HttpError. Trailing slashes are stripped before routing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from tavusctl.emulator import objects
from tavusctl.emulator.config import EmulatorConfig
from tavusctl.emulator.http import Request, Response, error
from tavusctl.emulator.store import Account, Store
from tavusctl.emulator.views import face_view, persona_view
from tavusctl.emulator.vocab import from_pal

Handler = Callable[[Store, EmulatorConfig, Account, Request, str], Response]
LIMIT_ERROR = "Invalid request: limit must be a positive integer"


def route(method: str, path: str) -> tuple[Handler, str] | None:
    """The handler for ``method path`` and the id in the path ('' for collections)."""
    parts = path.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "v2" or parts[1] not in COLLECTIONS:
        return None
    table = COLLECTIONS[parts[1]]
    key = (method, len(parts) - 2, parts[3] if len(parts) == 4 else "")
    if key in table:
        return table[key], parts[2] if len(parts) > 2 else ""
    if _known_shape(table, parts):
        raise error(405, "Method not allowed")
    raise error(404, "Not found")


def _known_shape(table: dict[tuple[str, int, str], Handler], parts: list[str]) -> bool:
    suffix = parts[3] if len(parts) == 4 else ""
    return any(n == len(parts) - 2 and s == suffix for _, n, s in table)


def page_args(req: Request, max_page_size: int) -> tuple[int, int]:
    """1-based ``page`` (``0`` also means the first page, as 0-based 2026 clients send it) and
    ``limit`` (default 10, capped at the maximum page size)."""
    limit, page = _positive(req.query.get("limit", "10")), _positive(req.query.get("page", "1"))
    if req.query.get("page", "").strip() == "0":
        page = 1
    if limit is None:
        raise error(400, LIMIT_ERROR)
    if page is None:
        raise error(400, "Invalid request: page must be a positive integer")
    return page, min(limit, max_page_size)


SORTS = {"asc": False, "ascending": False, "desc": True, "descending": True}


def descending(req: Request) -> bool:
    """The ``sort`` parameter: oldest first unless ``desc``/``descending``."""
    value = req.query.get("sort", "asc").lower()
    if value not in SORTS:
        raise error(400, "Invalid request: sort must be asc or desc")
    return SORTS[value]


def _positive(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value > 0 else None


def _page(items: Any, total: int, page: int, limit: int) -> dict[str, Any]:
    start = (page - 1) * limit
    return {"data": list(itertools.islice(items, start, start + limit)), "total_count": total}


def _json_body(req: Request) -> object:
    try:
        return req.json()
    except ValueError:
        raise error(400, "Invalid request body") from None


# Personas


# Personas, and PALs (pal=True): the same store, PAL words in and out; PAL errors still say
# persona_id (tavus-api-2026.md: the vendor client rewrites them).


def create_persona(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, _: str, *, pal: bool = False
) -> Response:
    body = _json_body(req)
    doc = store.create_persona(acct, from_pal(body) if pal else body, cfg)
    if cfg.create_response == "full":
        return Response(200, persona_view(doc, cfg, pal=pal))
    if pal:
        return Response(200, {"pal_id": doc["persona_id"], "pal_name": doc.get("persona_name"),
                              "created_at": doc["created_at"]})  # fmt: skip
    keys = ("persona_id", "persona_name", "created_at")
    return Response(200, {k: doc.get(k) for k in keys})


def list_personas(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, _: str, *, pal: bool = False
) -> Response:
    page, limit = page_args(req, cfg.max_page_size)
    persona_type = req.query.get("persona_type") or None
    if persona_type not in (None, "user", "system"):
        raise error(400, "Invalid request: persona_type must be user or system")
    items, total = store.list_personas(acct, persona_type, cfg, descending=descending(req))
    body = _page(items, total, page, limit)
    body["data"] = [persona_view(p, cfg, pal=pal) for p in body["data"]]
    return Response(200, body)


def get_persona(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, pid: str, *, pal: bool = False
) -> Response:
    shown = persona_view(store.persona(acct, pid, cfg), cfg, pal=pal)
    return Response(200, {"data": [shown]} if cfg.get_shape == "wrapped" else shown)


def patch_persona(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, pid: str, *, pal: bool = False
) -> Response:
    store.user_persona(acct, pid, cfg)  # an unknown id wins over a bad body
    try:
        ops = req.json()
    except ValueError:
        ops = None
    return patch_response(store.patch_persona(acct, pid, ops, cfg, pal=pal), cfg, pal=pal)


def patch_response(
    result: dict[str, object] | None, cfg: EmulatorConfig, *, pal: bool = False
) -> Response:
    """304 when nothing changed, else 200 with a body per the ``patch_response`` switch."""
    if result is None:
        return Response(304)
    if cfg.patch_response == "full":
        return Response(200, persona_view(result, cfg, pal=pal))
    if cfg.patch_response == "message":
        return Response(200, {"message": f"{'PAL' if pal else 'Persona'} updated successfully"})
    return Response(200)


def delete_persona(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, pid: str, *, pal: bool = False
) -> Response:
    store.delete_persona(acct, pid, cfg)
    return Response(204)


# Replicas


def list_replicas(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, _: str, *, face: bool = False
) -> Response:
    page, limit = page_args(req, cfg.max_page_size)
    prefix = "face" if face else "replica"
    wanted = [r for r in req.query.get(f"{prefix}_ids", "").split(",") if r]
    kind = req.query.get(f"{prefix}_type")
    found = [r for r in store.replicas.values() if (not wanted or r["replica_id"] in wanted)
             and (kind is None or r["replica_type"] == kind)]  # fmt: skip
    if descending(req):
        found.reverse()
    body = _page(iter(found), len(found), page, limit)
    body["data"] = [_replica_view(r, req, face) for r in body["data"]]
    return Response(200, body)


def get_replica(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, rid: str, *, face: bool = False
) -> Response:
    if rid not in store.replicas:
        raise error(404, "Replica not found")
    return Response(200, _replica_view(store.replicas[rid], req, face))


def _replica_view(replica: dict[str, object], req: Request, face: bool) -> dict[str, object]:
    """``replica_type`` appears only with ``verbose=true`` (§11); a face in face words."""
    if req.query.get("verbose", "").lower() != "true":
        replica = {k: v for k, v in replica.items() if k != "replica_type"}
    return face_view(replica) if face else replica


# Conversations


def create_conversation(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, _: str
) -> Response:
    try:
        body = req.json()
    except ValueError:
        body = None
    return Response(200, store.create_conversation(acct, body, cfg))


def list_conversations(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, _: str
) -> Response:
    page, limit = page_args(req, cfg.max_page_size)
    items = list(acct.conversations.values())
    if descending(req):
        items.reverse()
    return Response(200, _page(iter(items), len(acct.conversations), page, limit))


def get_conversation(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, cid: str
) -> Response:
    return Response(200, store.conversation(acct, cid))


def end_conversation(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, cid: str
) -> Response:
    store.end_conversation(acct, cid)
    return Response(200, {"message": "Conversation ended"})


def delete_conversation(
    store: Store, cfg: EmulatorConfig, acct: Account, req: Request, cid: str
) -> Response:
    store.delete_conversation(acct, cid)
    return Response(204)


def _in_words(handler: Callable[..., Response], flag: str) -> Handler:
    """``handler`` answering in 2026 words (``pal=True`` or ``face=True``)."""

    def aliased(
        store: Store, cfg: EmulatorConfig, acct: Account, req: Request, ident: str
    ) -> Response:
        return handler(store, cfg, acct, req, ident, **{flag: True})

    return aliased


# (method, number of path parts after the collection, sub-resource) → handler
PERSONA_ROUTES: dict[tuple[str, int, str], Handler] = {
    ("GET", 0, ""): list_personas, ("POST", 0, ""): create_persona,
    ("GET", 1, ""): get_persona, ("PATCH", 1, ""): patch_persona,
    ("DELETE", 1, ""): delete_persona,
}  # fmt: skip
REPLICA_ROUTES: dict[tuple[str, int, str], Handler] = {
    ("GET", 0, ""): list_replicas, ("GET", 1, ""): get_replica,
}  # fmt: skip
COLLECTIONS: dict[str, dict[tuple[str, int, str], Handler]] = {
    "personas": PERSONA_ROUTES,
    "pals": {key: _in_words(handler, "pal") for key, handler in PERSONA_ROUTES.items()},
    "replicas": REPLICA_ROUTES,
    "faces": {key: _in_words(handler, "face") for key, handler in REPLICA_ROUTES.items()},
    "conversations": {
        ("GET", 0, ""): list_conversations, ("POST", 0, ""): create_conversation,
        ("GET", 1, ""): get_conversation, ("DELETE", 1, ""): delete_conversation,
        ("POST", 2, "end"): end_conversation,
    },
    **{col.name: objects.routes(col) for col in objects.COLLECTIONS},
}  # fmt: skip
