"""The Tool of the 2026 tools registry (tavus-api-2026.md "Tools registry"), over
``/v2/tools``, listed by a PAL's ``tool_ids``.

Its id is ``tool_id``. An update is a plain JSON body (each field given replaces). Its
credentials are secret: Tavus shows them back as exactly ``********``, which tells nothing
about the value (never drift), and which must never be sent (it would overwrite the real
secret with asterisks).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping

from tavusctl.core import pointer
from tavusctl.core.secrets import SecretRule
from tavusctl.kinds.kind import KeyOrder, Kind, UpdateStyle

AUTH = "/delivery/api/auth"
# The secret fields of delivery.api.auth (by auth type: bearer token, basic password, api_key
# value, hmac secret, OAuth2 client_secret), and every header value.
SECRETS = SecretRule(
    fields=frozenset(
        f"{AUTH}/{k}" for k in ("token", "password", "value", "secret", "client_secret")
    ),
    under=("/delivery/api/headers",),
)
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_TEXT = 10_000  # description + parameters, as the vendor counts them


def check_tool(spec: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """(spec pointer, sentence) for what the schema cannot say: exactly one delivery channel,
    every ``{placeholder}`` a declared parameter, description and parameters within 10,000
    characters."""
    delivery = spec.get("delivery")
    if isinstance(delivery, Mapping):
        channels = [c for c in ("app_message", "api") if c in delivery]
        if len(channels) != 1:
            yield (
                "/delivery",
                (
                    "delivery needs exactly one channel: app_message: true, or api (an HTTPS "
                    f"endpoint); it has {' and '.join(channels) or 'none'}."
                ),
            )
    declared = _parameter_names(spec.get("parameters"))
    for where, name in _placeholders(spec):
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            dotted = "spec" + where.replace("/", ".")
            yield where, _undeclared(dotted, name, known)
    text = len(str(spec.get("description", ""))) + len(_json(spec.get("parameters", {})))
    if text > MAX_TEXT:
        yield (
            "/description",
            (
                f"description and parameters together are {text} characters; Tavus takes at most "
                f"{MAX_TEXT}."
            ),
        )


def _undeclared(dotted: str, name: str, known: str) -> str:
    return (
        f"{dotted} holds the placeholder {{{name}}}, which is no parameter of this tool "
        f"(declared: {known}); add it to parameters.properties or remove the placeholder."
    )


def _parameter_names(parameters: object) -> set[str]:
    props = parameters.get("properties") if isinstance(parameters, Mapping) else None
    return {str(k) for k in props} if isinstance(props, Mapping) else set()


def _placeholders(spec: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """(pointer, name) of every ``{placeholder}`` in delivery.api's url, query parameters and
    body template (never in headers or auth: their values are secret)."""
    delivery = spec.get("delivery")
    api = delivery.get("api") if isinstance(delivery, Mapping) else None
    if not isinstance(api, Mapping):
        return
    for field in ("url", "query_params", "body_template"):
        for where, text in _strings(api.get(field), f"/delivery/api/{field}"):
            for found in PLACEHOLDER.finditer(text):
                yield where, found.group(1)


def _strings(value: object, at: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, Mapping):
        for key, child in value.items():
            yield from _strings(child, f"{at}/{pointer.escape(str(key))}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _strings(child, f"{at}/{index}")


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


TOOL = Kind(
    name="Tool",
    noun="tool",
    collection="/v2/tools",
    id_field="tool_id",
    name_field="name",
    update=UpdateStyle.JSON_BODY,
    secrets=SECRETS,
    server_owned=frozenset({"tool_id", "uuid", "owner_id", "created_at", "updated_at"}),
    volatile=frozenset({"updated_at"}),
    spec_schema="tool-spec.schema.json",
    rules=check_tool,
    key_order=KeyOrder(
        top=(
            "name",
            "description",
            "parameters",
            "delivery",
            "origin",
            "on_call",
            "on_resolve",
            "static_filler",
            "tags",
        ),
        nested={
            "/delivery/api": (
                "url",
                "method",
                "timeout",
                "content_type",
                "headers",
                "auth",
                "query_params",
                "body_template",
            ),
        },
    ),
)
