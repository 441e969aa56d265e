"""How stored personas are shown on read: secrets (§10.2, §11), unset fields, PAL words.

tavus-api-2026.md: a recorded GET shows unset fields as ``null``, not absent (``unset_fields``);
the real API was seen masking a secret as exactly ``********`` (``secrets: masked-stars``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from tavusctl.core import pointer
from tavusctl.emulator import vocab
from tavusctl.emulator.config import EmulatorConfig
from tavusctl.emulator.persona_rules import INTERRUPT_NAMES, LAYER_FIELDS, TOP_LEVEL

STARS = "********"
# Shown as null when unset. pipeline_mode is not: the server fills "full".
NULLABLE_TOP = tuple(sorted(TOP_LEVEL - {"pipeline_mode"}))
NULLABLE_PAL = ("session_id", "source_template_id", "registration_id")


def persona_view(
    doc: dict[str, object], cfg: EmulatorConfig, *, pal: bool = False
) -> dict[str, object]:
    """The persona as GET/list return it, in persona or PAL words.

    Returns ``doc`` itself when nothing needs changing: callers serialize it at once, and most
    personas carry no secret, so a list of thousands is not deep-copied per request.
    """
    shown = hide_secrets(doc, cfg.secrets)
    if pal:
        shown = {**vocab.to_pal(shown), **pal_server_fields(shown)}
    if cfg.unset_fields == "null":
        shown = with_nulls(shown, pal=pal)
    return shown


def hide_secrets(doc: dict[str, object], secrets: str) -> dict[str, Any]:
    """Secrets stored, masked (``****`` + last 4, or ``********``) or omitted."""
    paths = list(secret_paths(doc)) if secrets != "stored" else []
    if not paths:
        return doc
    shown = copy.deepcopy(doc)
    for path in paths:
        parent = pointer.resolve(shown, pointer.join(pointer.split(path)[:-1]))
        key = pointer.split(path)[-1]
        if secrets == "omitted":
            del parent[key]
        else:
            parent[key] = STARS if secrets == "masked-stars" else mask(parent[key], secrets)
    return shown


def with_nulls(doc: dict[str, object], *, pal: bool) -> dict[str, object]:
    """``doc`` with every known field it lacks shown as null: top level, and the fields of
    each known layer it has (a shallow copy where something was added)."""
    names = [vocab.PAL_TOP.get(n, n) if pal else n for n in NULLABLE_TOP]
    out = {**{n: None for n in (*names, *(NULLABLE_PAL if pal else ()))}, **doc}
    layers = out.get("layers")
    if isinstance(layers, dict):
        out["layers"] = {name: _layer_nulls(name, value, pal) for name, value in layers.items()}
    return out


def _layer_nulls(name: str, layer: object, pal: bool) -> object:
    known = LAYER_FIELDS.get(name)
    if not isinstance(layer, dict) or known is None:
        return layer
    shown_name = vocab.PAL_INTERRUPT[0] if pal else INTERRUPT_NAMES[0]
    fields = sorted(f for f in known if f not in INTERRUPT_NAMES or f == shown_name)
    return {**{f: None for f in fields}, **layer}


def pal_server_fields(doc: dict[str, object]) -> dict[str, object]:
    """What the 2026 read shape adds to a PAL: its uuid, owner and settings ids, draft flag."""
    pid = str(doc.get("persona_id", ""))
    return {
        "uuid": pid,
        "owner_id": 1000 + int(pid.encode().hex()[-4:] or "0", 16) % 9000,
        "is_draft": False,
        "pal_settings_id": int(pid.encode().hex()[-6:] or "0", 16),
    }


def face_view(replica: dict[str, object]) -> dict[str, object]:
    """A replica in face words."""
    return vocab.to_face(replica)


def secret_paths(doc: object, tokens: tuple[str, ...] = ()) -> Iterator[str]:
    """Pointers of the fields Tavus hides on read (its own rule, not tavusctl's: the emulator
    models Tavus, so that it can catch a mistake in tavusctl's): any ``api_key`` at any depth,
    and every value of ``layers.llm.headers``."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            here = (*tokens, str(key))
            if key == "api_key" or (len(here) == 4 and here[:3] == ("layers", "llm", "headers")):
                yield pointer.join(here)
            else:
                yield from secret_paths(value, here)


def mask(value: object, style: str = "masked") -> str:
    """The last four characters of the value after ``****`` (``masked``), after ``••••``
    (``masked-bullets``), or after its first three and ``…`` (``masked-ellipsis``)."""
    text = str(value)
    if style == "masked-bullets":
        return "\u2022\u2022\u2022\u2022" + text[-4:]
    if style == "masked-ellipsis":
        return text[:3] + "\u2026" + text[-4:]
    return "****" + text[-4:]


LOGGED_SECRET = "****"


def logged(body: object) -> object:
    """A request body as the request log keeps it: every secret (by this emulator's rule,
    lists included, and the value of a JSON Patch operation on a secret path) masked. The log
    is served to anyone who can reach the emulator: it must not hand out LLM keys."""
    if isinstance(body, list) and all(isinstance(op, dict) and "op" in op for op in body):
        return [_logged_op(op) for op in body]
    return _masked_everywhere(body, ())


def _logged_op(op: dict[str, object]) -> dict[str, object]:
    path = op.get("path")
    tokens = tuple(pointer.split(path)) if isinstance(path, str) and path.startswith("/") else ()
    if "value" not in op:
        return op
    return {**op, "value": _masked_everywhere(op["value"], tokens)}


def _masked_everywhere(value: object, tokens: tuple[str, ...]) -> object:
    if _is_secret(tokens):
        # The read-back placeholder is no secret; logged as sent, a test can see it was sent.
        return STARS if value == STARS else LOGGED_SECRET
    if isinstance(value, dict):
        return {k: _masked_everywhere(v, (*tokens, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_everywhere(v, (*tokens, str(i))) for i, v in enumerate(value)]
    return value


# The log masks more than reads do: any credential-named key (as an LLM's default_query may
# carry an Azure-style api-key), not only what Tavus itself hides.
_CREDENTIALS = frozenset(
    {"api_key", "api-key", "apikey", "x-api-key", "password", "secret", "client_secret",
     "access_token", "auth_token", "authorization"}
)  # fmt: skip


def _is_secret(tokens: tuple[str, ...]) -> bool:
    return bool(tokens) and (
        tokens[-1].lower() in _CREDENTIALS
        or (len(tokens) >= 4 and tokens[:3] in (("layers", "llm", "headers"), _TOOL_HEADERS))
        or (len(tokens) == 4 and tokens[:3] == _TOOL_AUTH and tokens[3] in _TOOL_AUTH_SECRETS)
    )


# A tool's credentials (tavus-api-2026.md "Tools registry").
_TOOL_HEADERS = ("delivery", "api", "headers")
_TOOL_AUTH = ("delivery", "api", "auth")
_TOOL_AUTH_SECRETS = frozenset({"token", "password", "value", "secret", "client_secret"})
