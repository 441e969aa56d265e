"""Test hooks under ``/_emulator/``, off the Tavus paths: no auth, not logged, no trouble.

``POST /_emulator/reset``; ``GET|DELETE /_emulator/requests``; ``POST /_emulator/inject``;
``GET|POST /_emulator/config``; ``POST /_emulator/seed``; ``GET /_emulator/personas`` and
``PATCH /_emulator/personas/{id}`` (both with ``x-api-key``: the account to look at or edit).
"""

from __future__ import annotations

from collections.abc import Callable

from tavusctl.emulator.http import NO_BODY, HttpError, Request, Response, error
from tavusctl.emulator.service import Emulator
from tavusctl.emulator.trouble import FAULT_BODIES, Fault, Injection

PREFIX = "/_emulator/"


async def handle(emu: Emulator, req: Request) -> Response:
    """Answer one admin request."""
    name, _, rest = req.path[len(PREFIX) :].partition("/")
    hook = HOOKS.get((req.method, name + ("/{id}" if rest else "")))
    if hook is None:
        return Response(404, {"error": f"No emulator hook {req.method} {req.path}."})
    try:
        return hook(emu, req)
    except HttpError as exc:
        return exc.response
    finally:
        emu.saved()


def _body(req: Request) -> object:
    try:
        return req.json()
    except ValueError:
        raise error(400, "The request body is not valid JSON.") from None


def _api_key(req: Request) -> str:
    key = req.headers.get("x-api-key") or ""
    if not key:
        raise error(400, "Send the account's API key in the x-api-key header.")
    return key


def reset(emu: Emulator, req: Request) -> Response:
    emu.reset()
    return Response(200, {"message": "Emulator reset."})


def get_requests(emu: Emulator, req: Request) -> Response:
    return Response(200, {"requests": list(emu.log)})


def clear_requests(emu: Emulator, req: Request) -> Response:
    emu.log.clear()
    return Response(204)


def inject(emu: Emulator, req: Request) -> Response:
    spec = _body(req)
    if not isinstance(spec, dict) or not isinstance(spec.get("path"), str) or "method" not in spec:
        raise error(400, "An injection needs at least a method and a path.")
    status = None if spec.get("drop") else int(spec.get("status", 500))
    default = (
        NO_BODY
        if status in (None, 204, 304)
        else FAULT_BODIES.get(status, {"error": "Injected fault"})
    )
    fault = Fault(
        status,
        spec.get("body", default),
        dict(spec.get("headers") or {}),
        bool(spec.get("after_write")),
    )
    path = spec["path"].rstrip("/") or "/"
    emu.trouble.inject(
        Injection(str(spec["method"]).upper(), path, int(spec.get("count", 1)), fault)
    )
    return Response(200, {"message": "Injected."})


def get_config(emu: Emulator, req: Request) -> Response:
    return Response(200, emu.config.to_json())


def set_config(emu: Emulator, req: Request) -> Response:
    changes = _body(req)
    if not isinstance(changes, dict):
        raise error(400, "Send a JSON object of settings to change.")
    try:
        emu.configure(changes)
    except ValueError as exc:
        raise error(400, str(exc)) from None
    return Response(200, emu.config.to_json())


def seed(emu: Emulator, req: Request) -> Response:
    spec = _body(req)
    if not isinstance(spec, dict) or not isinstance(spec.get("personas"), list):
        raise error(400, 'Send {"api_key": KEY, "personas": [persona bodies]}.')
    acct = emu.store.account(str(spec.get("api_key") or _api_key(req)))
    ids = [
        emu.store.create_persona(acct, body, emu.config)["persona_id"] for body in spec["personas"]
    ]
    return Response(200, {"persona_ids": ids})


def list_personas(emu: Emulator, req: Request) -> Response:
    """Every user persona of the account, oldest first, as stored (secrets included)."""
    acct = emu.store.account(_api_key(req))
    return Response(200, {"data": list(acct.personas.values())})


def list_objects(emu: Emulator, req: Request) -> Response:
    """Every object of one 2026 collection (``/_emulator/objects/tools``) of the account, as
    stored: a tool's secrets included, which no API read shows."""
    acct = emu.store.account(_api_key(req))
    name = req.path.rsplit("/", 1)[1]
    return Response(200, {"data": list(acct.objects.get(name, {}).values())})


def edit_persona(emu: Emulator, req: Request) -> Response:
    """Someone edits the persona in the dashboard: same rules as PATCH, but not logged."""
    acct = emu.store.account(_api_key(req))
    pid = req.path.rsplit("/", 1)[1]
    emu.store.user_persona(acct, pid, emu.config)
    result = emu.store.patch_persona(acct, pid, _body(req), emu.config)
    return Response(304) if result is None else Response(200, result)


HOOKS: dict[tuple[str, str], Callable[[Emulator, Request], Response]] = {
    ("POST", "reset"): reset,
    ("GET", "requests"): get_requests,
    ("DELETE", "requests"): clear_requests,
    ("POST", "inject"): inject,
    ("GET", "config"): get_config,
    ("GET", "objects/{id}"): list_objects,
    ("POST", "config"): set_config,
    ("POST", "seed"): seed,
    ("GET", "personas"): list_personas,
    ("PATCH", "personas/{id}"): edit_persona,
}
