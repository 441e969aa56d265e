"""The 2026 resources that hang off a PAL by id (tavus-api-2026.md), one :class:`Collection`
each: guardrails so far. Each collection says how it differs (id field, page base, how a PATCH
is read, its validation); the store, the routes and the views here are shared.

The emulator's own model: nothing here imports tavusctl's client code.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tavusctl.emulator.config import EmulatorConfig
from tavusctl.emulator.http import HttpError, Request, Response, error
from tavusctl.emulator.patching import apply_ops, check_ops, same_document
from tavusctl.emulator.store import Account, Store

Handler = Callable[[Store, EmulatorConfig, Account, Request, str], Response]
Validator = Callable[[dict[str, Any], bool], None]


@dataclass(frozen=True)
class Collection:
    """One collection of objects: ``/v2/{name}``.

    ``defaults`` fill a created object; ``server_fields`` are the server's (never taken from a
    body; a PATCH of them is a no-op). A PATCH is a strict RFC 6902 JSON Patch (``replace`` of
    a missing field fails). Fields that are empty (``""``, ``[]``, ``{}``, ``null``) are not
    stored, so they read as absent.
    """

    name: str
    noun: str
    id_field: str
    validate: Validator
    defaults: dict[str, object]
    server_fields: tuple[str, ...]
    name_field: str = "name"
    id_prefix: str | None = None  # ids are prefix + 11 hex (None: a UUID)
    validate_route: bool = False  # POST /v2/{name}/validate checks a body, stores nothing


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _without_empty(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not _empty(v)}


def _body(req: Request) -> dict[str, Any]:
    try:
        body = req.json()
    except ValueError:
        raise error(400, "Invalid request body") from None
    if not isinstance(body, dict):
        raise error(400, "Invalid request body")
    return body


def _objects(acct: Account, col: Collection) -> dict[str, dict[str, object]]:
    return acct.objects.setdefault(col.name, {})


def _one(acct: Account, col: Collection, ident: str, cfg: EmulatorConfig) -> dict[str, object]:
    found = _objects(acct, col).get(ident)
    if found is None:
        if cfg.missing_status == 404:
            raise error(404, f"{col.noun.capitalize()} not found")
        raise error(400, f"Invalid {col.noun} {col.id_field}")
    return found


def create(
    col: Collection, store: Store, cfg: EmulatorConfig, acct: Account, req: Request
) -> Response:
    body = {k: v for k, v in _body(req).items() if k not in col.server_fields}
    doc = _without_empty({**col.defaults, **copy.deepcopy(body)})
    col.validate(doc, cfg.unknown_fields == "reject")
    now = store.clock.now(cfg.timestamps)
    taken = _objects(acct, col)
    ident = store.new_uuid() if col.id_prefix is None else store.new_id(col.id_prefix, taken)
    stored = {col.id_field: ident, **doc, "owner_id": 1, "created_at": now, "updated_at": now}
    _objects(acct, col)[ident] = stored
    store.changed()
    return Response(200, stored)


def listing(
    col: Collection, store: Store, cfg: EmulatorConfig, acct: Account, req: Request
) -> Response:
    """1-based ``page`` and ``limit`` (default 10, capped); oldest first unless ``sort`` is
    descending; ``name_or_uuid`` and ``tags`` (comma-separated, any) filter."""
    limit, page = _positive(req, "limit", "10"), _positive(req, "page", "1")
    sort = req.query.get("sort", "ascending").lower()
    if sort not in ("asc", "ascending", "desc", "descending"):
        raise error(400, "Invalid request: sort must be ascending or descending")
    if req.query.get("type", "user") not in ("user", "system", "all"):
        raise error(400, "Invalid request: type must be user, system or all")
    items = list(_objects(acct, col).values())
    if req.query.get("type") == "system":
        items = []
    wanted = req.query.get("name_or_uuid", "")
    if wanted:
        items = [o for o in items if wanted in (o.get(col.id_field), o.get(col.name_field))]
    tags = {t for t in req.query.get("tags", "").split(",") if t}
    if tags:
        items = [o for o in items if tags & set(_strings(o.get("tags")))]
    if sort.startswith("desc"):
        items.reverse()
    size = min(limit, cfg.max_page_size)
    start = (page - 1) * size
    shown = list(itertools.islice(items, start, start + size))
    return Response(200, {"data": shown, "total_count": len(items)})


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _positive(req: Request, name: str, default: str) -> int:
    try:
        value = int(req.query.get(name, default))
    except ValueError:
        value = 0
    if value < 1:
        raise error(400, f"Invalid request: {name} must be a positive integer")
    return value


def get(
    col: Collection, store: Store, cfg: EmulatorConfig, acct: Account, req: Request, ident: str
) -> Response:
    return Response(200, _one(acct, col, ident, cfg))


def patch(
    col: Collection, store: Store, cfg: EmulatorConfig, acct: Account, req: Request, ident: str
) -> Response:
    """Strict RFC 6902 against the stored object (empty fields absent); operations on the
    server's fields change nothing. 304 when nothing changed."""
    stored = _one(acct, col, ident, cfg)
    try:
        raw = req.json()
    except ValueError:
        raw = None
    if not isinstance(raw, list):
        raise error(400, "Invalid patch: a JSON Patch (a list of operations) is expected")
    kept = [op for op in raw if _is_test(op) or not _on_server_field(op, col)]
    ops = check_ops(kept, cfg.patch_error_status)
    result = apply_ops(stored, ops, cfg.patch_error_status)
    result = _without_empty({**result, **{k: stored[k] for k in col.server_fields if k in stored}})
    col.validate({k: v for k, v in result.items() if k not in col.server_fields},
                 cfg.unknown_fields == "reject")  # fmt: skip
    if same_document(result, stored):
        return Response(304)
    result["updated_at"] = store.clock.now(cfg.timestamps)
    _objects(acct, col)[ident] = result
    store.changed()
    return Response(200, result)


def _is_test(op: object) -> bool:
    return isinstance(op, dict) and op.get("op") == "test"


def _on_server_field(op: object, col: Collection) -> bool:
    """An operation on one of the server's fields (accepted back as a no-op)."""
    if not isinstance(op, dict) or not isinstance(op.get("path"), str):
        return False
    parts = op["path"].split("/")
    return len(parts) > 1 and parts[1] in col.server_fields


def delete(
    col: Collection, store: Store, cfg: EmulatorConfig, acct: Account, req: Request, ident: str
) -> Response:
    _one(acct, col, ident, cfg)
    del _objects(acct, col)[ident]
    store.changed()
    return Response(204)


def check(col: Collection, cfg: EmulatorConfig, req: Request, ident: str) -> Response:
    """``POST /v2/{name}/validate``: 200 if the body would be accepted, else its 400."""
    if not col.validate_route or ident != "validate":
        raise error(404, "Not found")
    body = {k: v for k, v in _body(req).items() if k not in col.server_fields}
    col.validate(_without_empty({**col.defaults, **body}), cfg.unknown_fields == "reject")
    return Response(200, {"valid": True})


def routes(col: Collection) -> dict[tuple[str, int, str], Handler]:
    """The route table of one collection (see routes.COLLECTIONS)."""

    def on_list(store: Store, cfg: EmulatorConfig, acct: Account, req: Request, _: str) -> Response:
        return listing(col, store, cfg, acct, req)

    def on_create(
        store: Store, cfg: EmulatorConfig, acct: Account, req: Request, _: str
    ) -> Response:
        return create(col, store, cfg, acct, req)

    def on_get(store: Store, cfg: EmulatorConfig, acct: Account, req: Request, i: str) -> Response:
        return get(col, store, cfg, acct, req, i)

    def on_patch(
        store: Store, cfg: EmulatorConfig, acct: Account, req: Request, i: str
    ) -> Response:
        return patch(col, store, cfg, acct, req, i)

    def on_delete(
        store: Store, cfg: EmulatorConfig, acct: Account, req: Request, i: str
    ) -> Response:
        return delete(col, store, cfg, acct, req, i)

    def on_check(
        store: Store, cfg: EmulatorConfig, acct: Account, req: Request, i: str
    ) -> Response:
        return check(col, cfg, req, i)

    return {
        ("GET", 0, ""): on_list, ("POST", 0, ""): on_create, ("GET", 1, ""): on_get,
        ("PATCH", 1, ""): on_patch, ("DELETE", 1, ""): on_delete, ("POST", 1, ""): on_check,
    }  # fmt: skip


# Guardrails: flat, one rule each (tavus-api-2026.md "Guardrails").

GUARDRAIL_NAME = re.compile(r"[A-Za-z0-9_]{1,100}")
GUARDRAIL_FIELDS = {
    "guardrail_name", "guardrail_prompt", "modality", "callback_url", "tool_call",
    "app_message", "tags",
}  # fmt: skip
MODALITIES = ("verbal", "visual", "audio")
SERVER_FIELDS = ("uuid", "owner_id", "created_at", "updated_at")


def validate_guardrail(doc: dict[str, Any], strict: bool) -> None:
    """400 for a guardrail the server refuses (empty fields are absent here)."""
    unknown = sorted(set(doc) - GUARDRAIL_FIELDS)
    if strict and unknown:
        raise _bad(f"unknown field {unknown[0]}")
    name = doc.get("guardrail_name")
    if not isinstance(name, str) or not GUARDRAIL_NAME.fullmatch(name):
        raise _bad("guardrail_name is required: 1 to 100 of A-Z, a-z, 0-9 and _")
    if not isinstance(doc.get("guardrail_prompt"), str):
        raise _bad("guardrail_prompt is required")
    if doc.get("modality", "verbal") not in MODALITIES:
        raise _bad("modality must be verbal, visual or audio")
    if not isinstance(doc.get("callback_url", ""), str):
        raise _bad("callback_url must be a string")
    if not isinstance(doc.get("tool_call", {}), dict):
        raise _bad("tool_call must be an object")
    if not isinstance(doc.get("app_message", True), bool):
        raise _bad("app_message must be a boolean")
    tags = doc.get("tags", [])
    if not isinstance(tags, list) or len(tags) > 32:
        raise _bad("tags must be a list of at most 32 tags")
    if not all(isinstance(t, str) and t for t in tags):
        raise _bad("tags must be non-empty strings")


def _bad(why: str) -> HttpError:
    return error(400, f"Invalid guardrail: {why}")


GUARDRAILS = Collection(
    name="guardrails",
    noun="guardrail",
    id_field="uuid",
    validate=validate_guardrail,
    defaults={"modality": "verbal", "app_message": True},
    server_fields=SERVER_FIELDS,
    name_field="guardrail_name",
)


# Objectives: still a set (tavus-api-2026.md "Objectives").

OBJECTIVE_FIELDS = {
    "objective_name", "objective_prompt", "confirmation_mode", "output_variables", "modality",
    "next_conditional_objectives", "next_required_objective", "callback_url", "tool_call",
}  # fmt: skip


def validate_objectives(doc: dict[str, Any], strict: bool) -> None:
    """400 for a set the server refuses: its shape, then the references between items."""
    unknown = sorted(set(doc) - {"name", "data", "allow_loops"})
    if strict and unknown:
        raise _bad_set(f"unknown field {unknown[0]}")
    if not isinstance(doc.get("name", ""), str) or len(doc.get("name", "")) > 100:
        raise _bad_set("name must be a string of at most 100 characters")
    data = doc.get("data")
    if not isinstance(data, list) or not 1 <= len(data) <= 50:
        raise _bad_set("data must hold 1 to 50 objectives")
    for item in data:
        _check_objective(item, strict)
    names = [item["objective_name"] for item in data]
    if len(set(names)) != len(names):
        raise _bad_set("duplicate objective_name in set")
    for item in data:
        targets = [
            item.get("next_required_objective"),
            *item.get("next_conditional_objectives", {}),
        ]
        for target in (t for t in targets if t is not None):
            if target == item["objective_name"] or target not in names:
                raise _bad_set(f"objective {item['objective_name']} references {target}")
        if item.get("next_required_objective") and item.get("next_conditional_objectives"):
            raise _bad_set("next_required_objective and next_conditional_objectives together")


def _check_objective(item: object, strict: bool) -> None:
    if not isinstance(item, dict):
        raise _bad_set("each objective must be an object")
    if strict and set(item) - OBJECTIVE_FIELDS:
        raise _bad_set(f"unknown field {sorted(set(item) - OBJECTIVE_FIELDS)[0]}")
    name = item.get("objective_name")
    if not isinstance(name, str) or not GUARDRAIL_NAME.fullmatch(name):
        raise _bad_set("objective_name: 1 to 100 of A-Z, a-z, 0-9 and _")
    prompt = item.get("objective_prompt")
    if not isinstance(prompt, str) or len(prompt) > 10_000:
        raise _bad_set("objective_prompt is required (at most 10,000 characters)")
    if item.get("confirmation_mode", "auto") not in ("auto", "manual"):
        raise _bad_set("confirmation_mode must be auto or manual")
    if item.get("modality", "verbal") not in MODALITIES:
        raise _bad_set("modality must be verbal, visual or audio")
    if not isinstance(item.get("next_conditional_objectives", {}), dict):
        raise _bad_set("next_conditional_objectives must be an object")


def _bad_set(why: str) -> HttpError:
    return error(400, f"Invalid objectives: {why}")


OBJECTIVES = Collection(
    name="objectives",
    noun="objectives",
    id_field="objectives_id",
    validate=validate_objectives,
    defaults={"allow_loops": False},
    server_fields=("objectives_id", "owner_id", "created_at", "updated_at"),
    id_prefix="o",
    validate_route=True,
)

COLLECTIONS = (GUARDRAILS, OBJECTIVES)
