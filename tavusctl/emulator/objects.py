"""The 2026 resources that hang off a PAL by id (tavus-api-2026.md), one :class:`Collection`
each: guardrails, objectives sets, tools. Each collection says how it differs (id field, page base, how a PATCH
is read, its validation); the store, the routes and the views here are shared.

The emulator's own model: nothing here imports tavusctl's client code.
"""

from __future__ import annotations

import copy
import itertools
import json
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
View = Callable[[dict[str, Any]], dict[str, Any]]


def as_stored(doc: dict[str, Any]) -> dict[str, Any]:
    return doc


@dataclass(frozen=True)
class Collection:
    """One collection of objects: ``/v2/{name}``.

    ``defaults`` fill a created object; ``server_fields`` are the server's (never taken from a
    body; a PATCH of them is a no-op). A PATCH is a strict RFC 6902 JSON Patch (``replace`` of
    a missing field fails), or with ``plain_patch`` a JSON object whose fields replace (``null``
    removes one). Fields that are empty (``""``, ``[]``, ``{}``, ``null``) are not stored, so
    they read as absent. ``view`` is how a stored object is shown on every read (a tool's
    secrets as ``********``).
    """

    name: str
    noun: str
    id_field: str
    validate: Validator
    defaults: dict[str, object]
    server_fields: tuple[str, ...]
    name_field: str = "name"
    id_prefix: str | None = None  # ids are prefix + id_digits hex (None: a UUID)
    id_digits: int = 11
    validate_route: bool = False  # POST /v2/{name}/validate checks a body, stores nothing
    plain_patch: bool = False
    view: View = as_stored


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
    if col.id_prefix is None:
        ident = store.new_uuid()
    else:
        ident = store.new_id(col.id_prefix, taken, col.id_digits)
    stored = {col.id_field: ident, **doc, "owner_id": 1, "created_at": now, "updated_at": now}
    _objects(acct, col)[ident] = stored
    store.changed()
    return Response(200, col.view(stored))


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
    shown = [col.view(o) for o in itertools.islice(items, start, start + size)]
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
    return Response(200, col.view(_one(acct, col, ident, cfg)))


def patch(
    col: Collection, store: Store, cfg: EmulatorConfig, acct: Account, req: Request, ident: str
) -> Response:
    """Strict RFC 6902 against the stored object (empty fields absent), or a plain JSON body
    (``plain_patch``); the server's fields change nothing. 304 when nothing changed."""
    stored = _one(acct, col, ident, cfg)
    result = (
        _plain_patched(col, stored, req) if col.plain_patch else _patched(col, stored, req, cfg)
    )
    result = _without_empty({**result, **{k: stored[k] for k in col.server_fields if k in stored}})
    col.validate({k: v for k, v in result.items() if k not in col.server_fields},
                 cfg.unknown_fields == "reject")  # fmt: skip
    if same_document(result, stored):
        return Response(304)
    result["updated_at"] = store.clock.now(cfg.timestamps)
    _objects(acct, col)[ident] = result
    store.changed()
    return Response(200, col.view(result))


def _patched(
    col: Collection, stored: dict[str, Any], req: Request, cfg: EmulatorConfig
) -> dict[str, Any]:
    try:
        raw = req.json()
    except ValueError:
        raw = None
    if not isinstance(raw, list):
        raise error(400, "Invalid patch: a JSON Patch (a list of operations) is expected")
    kept = [op for op in raw if _is_test(op) or not _on_server_field(op, col)]
    ops = check_ops(kept, cfg.patch_error_status)
    return apply_ops(stored, ops, cfg.patch_error_status)


def _plain_patched(col: Collection, stored: dict[str, Any], req: Request) -> dict[str, Any]:
    """Each field of the body replaces the stored one (``null`` removes it), as sent: a secret
    sent as ``********`` is stored as ``********``."""
    body = _body(req)
    out = copy.deepcopy(stored)
    for key, value in body.items():
        if key in col.server_fields:
            continue
        if value is None:
            out.pop(key, None)
        else:
            out[key] = copy.deepcopy(value)
    return out


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


# Tools: the 2026 registry (tavus-api-2026.md "Tools registry").

TOOL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]{0,63}")
TOOL_FIELDS = {
    "name", "description", "parameters", "delivery", "origin", "on_call", "on_resolve",
    "static_filler", "tags",
}  # fmt: skip
API_FIELDS = {
    "url", "method", "timeout", "headers", "auth", "body_template", "query_params",
    "content_type",
}  # fmt: skip
AUTH_TYPES = ("none", "bearer", "basic", "api_key", "hmac", "oauth2_client_credentials")
# What Tavus scrubs on every read: the credential fields of delivery.api.auth, every header value.
AUTH_SECRETS = ("token", "password", "value", "secret", "client_secret")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
STARS = "********"


def validate_tool(doc: dict[str, Any], strict: bool) -> None:
    """400 for a tool the server refuses."""
    unknown = sorted(set(doc) - TOOL_FIELDS)
    if strict and unknown:
        raise _bad_tool(f"unknown field {unknown[0]}")
    if not isinstance(doc.get("name"), str) or not TOOL_NAME.fullmatch(doc["name"]):
        raise _bad_tool("name must match ^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")
    if not isinstance(doc.get("description"), str):
        raise _bad_tool("description is required")
    params = doc.get("parameters", {})
    props = params.get("properties", {}) if isinstance(params, dict) else None
    if not isinstance(props, dict):
        raise _bad_tool("parameters must be a JSON Schema object")
    if any(str(k).startswith("tavus_") for k in props):
        raise _bad_tool("parameter names may not start with tavus_")
    if len(doc["description"]) + len(json.dumps(params)) > 10_000:
        raise _bad_tool("description and parameters exceed 10000 characters")
    _check_delivery(doc.get("delivery"), set(props))
    for field, allowed in (("origin", ("llm", "vision", "audio")),
                           ("on_call", ("generate_filler", "static_filler", "silent", "passthrough")),
                           ("on_resolve", ("generate_response", "response_in_result",
                                           "add_to_context", "fire_and_forget"))):  # fmt: skip
        if field in doc and doc[field] not in allowed:
            raise _bad_tool(f"{field} must be one of {', '.join(allowed)}")
    if not all(isinstance(t, str) and t for t in doc.get("tags", [])):
        raise _bad_tool("tags must be non-empty strings")


def _check_delivery(delivery: object, params: set[str]) -> None:
    if not isinstance(delivery, dict):
        raise _bad_tool("delivery is required")
    channels = [c for c in ("app_message", "api") if c in delivery]
    if len(channels) != 1 or set(delivery) - {"app_message", "api"}:
        raise _bad_tool("delivery must have exactly one of app_message or api")
    if "app_message" in delivery:
        if delivery["app_message"] is not True:
            raise _bad_tool("delivery.app_message must be true")
        return
    api = delivery["api"]
    if not isinstance(api, dict) or set(api) - API_FIELDS:
        raise _bad_tool("delivery.api has unknown fields")
    if not isinstance(api.get("url"), str) or not api["url"].startswith("https://"):
        raise _bad_tool("delivery.api.url must be an https URL")
    if api.get("method", "POST") not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"):
        raise _bad_tool("delivery.api.method is not a valid method")
    timeout = api.get("timeout", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 60:
        raise _bad_tool("delivery.api.timeout must be in (0, 60]")
    auth = api.get("auth", {"type": "none"})
    if not isinstance(auth, dict) or auth.get("type") not in AUTH_TYPES:
        raise _bad_tool("delivery.api.auth.type is not a valid auth type")
    templated = [api.get("url"), json.dumps(api.get("query_params", {})),
                 json.dumps(api.get("body_template", ""))]  # fmt: skip
    for text in templated:
        for name in PLACEHOLDER.findall(str(text)):
            if name not in params:
                raise _bad_tool(f"placeholder {{{name}}} is not a declared parameter")


def _bad_tool(why: str) -> HttpError:
    return error(400, f"Invalid tool: {why}")


def tool_view(doc: dict[str, Any]) -> dict[str, Any]:
    """A tool as every read shows it: its credentials scrubbed as exactly ``********``."""
    api = doc.get("delivery", {}).get("api") if isinstance(doc.get("delivery"), dict) else None
    if not isinstance(api, dict):
        return doc
    shown = copy.deepcopy(doc)
    api = shown["delivery"]["api"]
    if isinstance(api.get("headers"), dict):
        api["headers"] = {k: STARS for k in api["headers"]}
    auth = api.get("auth")
    if isinstance(auth, dict):
        api["auth"] = {k: STARS if k in AUTH_SECRETS else v for k, v in auth.items()}
    return shown


TOOLS = Collection(
    name="tools",
    noun="tool",
    id_field="tool_id",
    validate=validate_tool,
    defaults={},
    server_fields=("tool_id", "owner_id", "created_at", "updated_at"),
    id_prefix="t",
    id_digits=12,
    plain_patch=True,
    view=tool_view,
)


# Pronunciation dictionaries (tavus-api-2026.md "Pronunciation dictionaries").

RULE_FIELDS = {"text", "pronunciation", "type", "alphabet", "case_sensitive", "word_boundaries"}


def validate_dictionary(doc: dict[str, Any], strict: bool) -> None:
    """400 for a dictionary the server refuses."""
    unknown = sorted(set(doc) - {"name", "rules"})
    if strict and unknown:
        raise _bad_dictionary(f"unknown field {unknown[0]}")
    if not isinstance(doc.get("name"), str) or len(doc["name"]) > 255:
        raise _bad_dictionary("name is required (at most 255 characters)")
    rules = doc.get("rules", [])
    if not isinstance(rules, list) or len(rules) > 10_000:
        raise _bad_dictionary("rules must be a list of at most 10000 rules")
    for rule in rules:
        if not isinstance(rule, dict) or (strict and set(rule) - RULE_FIELDS):
            raise _bad_dictionary("each rule must be an object of known fields")
        text, said = rule.get("text"), rule.get("pronunciation")
        if not isinstance(text, str) or not 0 < len(text) <= 200:
            raise _bad_dictionary("rule text is required (at most 200 characters)")
        if not isinstance(said, str) or not 0 < len(said) <= 500:
            raise _bad_dictionary("rule pronunciation is required (at most 500 characters)")
        if rule.get("type", "alias") not in ("alias", "ipa"):
            raise _bad_dictionary("rule type must be alias or ipa")
    texts = [r["text"] for r in rules]
    if len(set(texts)) != len(texts):
        raise _bad_dictionary("rule texts must be unique")


def _bad_dictionary(why: str) -> HttpError:
    return error(400, f"Invalid pronunciation dictionary: {why}")


DICTIONARIES = Collection(
    name="pronunciation-dictionaries",
    noun="pronunciation dictionary",
    id_field="uuid",
    validate=validate_dictionary,
    defaults={},
    server_fields=SERVER_FIELDS,
    plain_patch=True,
)

COLLECTIONS = (GUARDRAILS, OBJECTIVES, TOOLS, DICTIONARIES)
