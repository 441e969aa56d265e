"""Reading Tavus API answers: tolerant body parsing and the translation of statuses to errors.

The API is inconsistent (tavus-api.md §2.3): errors come as ``{"error": ...}`` or
``{"message": ...}``, GET-one may be flat or ``{"data": [obj]}``, a missing persona is 400
``Invalid persona_id`` or 404, PATCH answers a full body, a message or nothing. Every variant is
accepted here so that the client's methods stay simple.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from tavusctl.api.retry import parse_retry_after
from tavusctl.core import display, pointer, secrets
from tavusctl.core.errors import (
    ApiError,
    AuthError,
    InvalidRequest,
    NotFound,
    OutcomeUnknown,
    PreconditionFailed,
    RateLimited,
    ServerError,
    UsageError,
)
from tavusctl.core.payloads import JsonObject, UpdatePayload
from tavusctl.core.secrets import IsSecret, Scrubber, scrub_values
from tavusctl.core.values import MISSING, same
from tavusctl.kinds import Kind


@dataclass
class Call:
    """One logical API request (possibly sent several times).

    ``subject`` names what it is about in messages ("persona p1"). ``uncertain`` becomes true
    when an attempt may have reached the server without its answer reaching us.
    """

    method: str
    path: str
    subject: str
    body: object = None
    params: Mapping[str, Any] | None = None
    uncertain: bool = False
    retry_refused: bool = True  # POST only: whether a 429 may be retried here
    is_secret: IsSecret | None = None  # the kind's secret rule, for a body of that kind

    def sent_secrets(self) -> list[str]:
        """Every secret string this call sends (a server may echo it in an error)."""
        if self.is_secret is None or self.body is None:
            return []
        rule = self.is_secret
        if isinstance(self.body, list):  # JSON Patch: values at (or under) secret paths
            found = [
                s
                for op in self.body
                if isinstance(op, Mapping) and isinstance(op.get("path"), str)
                for s in _secret_strings(op.get("value"), str(op["path"]), rule)
            ]
            return found
        return _secret_strings(self.body, "", rule)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


# Tavus keys are 32 characters. A much shorter one is a mistake, and could not be kept out of
# messages: scrubbing a one-letter key from every line would mangle them and show the letter.
MIN_KEY_LENGTH = 8


def check_key(api_key: str) -> None:
    """Refuse a key an HTTP header cannot carry (a stray newline from a file, a pasted accent)
    before any request: httpx would fail with a message quoting the key, or a traceback. Refuse
    a key shorter than MIN_KEY_LENGTH too."""
    if len(api_key) < MIN_KEY_LENGTH:
        raise UsageError(
            f"The API key has only {len(api_key)} character{'s' * (len(api_key) != 1)}; Tavus "
            "keys have 32. Check "
            "TAVUS_API_KEY (or --api-key): it holds something else, or only part of the key."
        )
    bad = next((i for i, c in enumerate(api_key) if not " " < c < "\x7f"), None)
    if bad is not None:
        raise UsageError(
            f"The API key has a space, line break or non-ASCII character at position {bad + 1}, "
            "which no Tavus key has. Check TAVUS_API_KEY (or --api-key) for a stray newline "
            "or space."
        )


class TooLarge(ApiError):
    """An answer larger than the client reads."""


def too_large(label: str, limit: int) -> TooLarge:
    """The error for an answer over ``limit`` bytes."""
    return TooLarge(
        f"The answer to {label} is larger than {limit // 2**20} MiB, far more than the Tavus "
        "API sends; tavusctl stopped reading it. Check --api-url (TAVUS_API_URL)."
    )


def json_body(response: httpx.Response) -> object:
    """The parsed JSON body, or None when it is empty or not JSON."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


# How much of a server's own words about an error a message quotes.
DETAIL_LIMIT = 200


def detail(
    response: httpx.Response,
    call: Call | None = None,
    scrubber: Scrubber | None = None,
) -> str:
    """The server's own words about an error (``error``, ``message`` or ``detail``, else the
    body), with every secret hidden before anything is cut: values under secret keys of a JSON
    body (a request echoed back), each secret the call sent in any written form, every known
    secret (the client's scrubber holds the API key). Then made one printable line, and cut."""
    doc = json_body(response)
    rule = call.is_secret if call is not None else None
    text = ""
    if isinstance(doc, dict):
        text = next(
            (doc[k] for k in ("error", "message", "detail") if isinstance(doc.get(k), str)), ""
        )
    if not text and isinstance(doc, (dict, list)):
        shown = doc if rule is None else _masked(doc, rule)
        text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
    elif not text and response.content:
        text = response.text.strip()
    sent = call.sent_secrets() if call is not None else []
    text = scrubber.scrub(text, also=sent) if scrubber is not None else scrub_values(text, sent)
    return display.cut(display.one_line(text), DETAIL_LIMIT) or "no details given"


def _masked(doc: object, rule: IsSecret, path: str = "") -> object:
    """``doc`` with the value of every key the rule calls secret hidden, at any depth."""
    if rule(path):
        return secrets.SENSITIVE
    if isinstance(doc, dict):
        return {k: _masked(v, rule, f"{path}/{pointer.escape(str(k))}") for k, v in doc.items()}
    if isinstance(doc, list):
        return [_masked(v, rule, f"{path}/{i}") for i, v in enumerate(doc)]
    return doc


def _secret_strings(value: object, path: str, rule: IsSecret) -> list[str]:
    """Every string at or under a secret position of ``value`` (found at ``path``)."""
    return [
        leaf
        for where, leaf in pointer.leaves(value, path, lists=True)
        if isinstance(leaf, str) and leaf and _at_or_under_secret(where, rule)
    ]


def _at_or_under_secret(path: str, rule: IsSecret) -> bool:
    tokens = pointer.split(path)
    return any(rule(pointer.join(tokens[:n])) for n in range(1, len(tokens) + 1))


def unwrap(doc: object, id_field: str) -> JsonObject | None:
    """An object from a flat answer, ``{"data": [obj]}`` or ``{"data": obj}``; None if empty.
    ``id_field`` (``persona_id``) tells a flat object that has a ``data`` field of its own.

    Fields that read as ``null`` are left out: the 2026 API shows every unset field as null
    (tavus-api-2026.md), and null means unset, so nothing above sees a difference between the
    two (no diff, no drift, no ``remove`` of a null, nothing exported).
    """
    if isinstance(doc, dict) and "data" in doc and id_field not in doc:
        doc = doc["data"]
        if isinstance(doc, list):
            doc = doc[0] if doc else None
    return without_nulls(doc) if isinstance(doc, dict) else None


def without_nulls(doc: JsonObject) -> JsonObject:
    """``doc`` without its null-valued keys, in objects at any depth (lists are values: kept
    as they are). Returns ``doc`` itself when it holds no null."""
    if not any(v is None or isinstance(v, dict) for v in doc.values()):
        return doc
    return {
        k: without_nulls(v) if isinstance(v, dict) else v for k, v in doc.items() if v is not None
    }


def one(doc: object, call: Call, scrubber: Scrubber, id_field: str) -> JsonObject | None:
    """The object of a GET-one answer; None for an empty ``{"data": []}``. Anything else that is
    not an object is an error: it must never be mistaken for "gone" (that would recreate it)."""
    found = unwrap(doc, id_field)
    if found is None and not (isinstance(doc, dict) and doc.get("data") in ([], None)):
        what = f"Unexpected answer to {call.label} for {call.subject}: not a JSON object."
        raise ApiError(scrubber.scrub(f"{what} Try again; if it persists, the API changed."))
    return found


def page(
    doc: object, call: Call, scrubber: Scrubber, kind: Kind
) -> tuple[list[JsonObject], int | None]:
    """Items and total count from a list answer ``{"data": [...], "total_count": n}``."""
    items = doc.get("data") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ApiError(
            scrubber.scrub(f"Unexpected answer to {call.label}: no list of {kind.plural}.")
        )
    total = doc.get("total_count") if isinstance(doc, dict) else None
    unwrapped = [u for u in (unwrap(item, kind.id_field) for item in items) if u is not None]
    return unwrapped, total if isinstance(total, int) else None


def created_id(doc: object, call: Call, scrubber: Scrubber, kind: Kind) -> str:
    """The new object's id from a create answer (minimal or full)."""
    found = unwrap(doc, kind.id_field)
    new_id = None if found is None else kind.id_of(found)
    if new_id is not None:
        return new_id
    raise outcome_unknown(call, f"the answer carried no {kind.id_field}", scrubber)


def succeeded(response: httpx.Response) -> bool:
    """2xx, or 304 (PATCH: no change needed)."""
    return 200 <= response.status_code < 300 or response.status_code == 304


def is_gone(response: httpx.Response) -> bool:
    """404, or the documented 400 ``Invalid persona_id`` (``Invalid replica_uuid``, ...)."""
    return response.status_code == 404 or _invalid_id(response.status_code, detail(response))


def _invalid_id(status: int, why: str) -> bool:
    words = why.lower()
    return status == 400 and "invalid" in words and ("_id" in words or "uuid" in words)


_TEMPLATES: dict[int | type[ApiError], str] = {
    401: "The Tavus API rejected the API key (HTTP 401 on {where}). "
    "Check TAVUS_API_KEY (or --api-key).",
    403: "The Tavus API refused access (HTTP 403 on {where}: {why}). "
    "Check that the API key may be used from this address.",
    NotFound: "Not found: {subject} does not exist on the Tavus account (HTTP {status} on "
    "{label}: {why}). It may have been deleted outside tavusctl; run plan again.",
    PreconditionFailed: "Conflict: {subject} was changed by someone else since the plan was "
    "made; the PATCH's test preconditions failed (HTTP {status} on {label}: {why}). Nothing "
    "was overwritten. Run plan again to see the change (if this API rejects test operations, "
    "use --no-preconditions).",
    InvalidRequest: "The Tavus API rejected {where} (HTTP {status}: {why}). "
    "Fix the value it names; retrying will not help.",
    RateLimited: "The Tavus API kept rate limiting {where} (HTTP 429) after every retry. "
    "Wait a minute or lower --parallelism, then try again.",
    ServerError: "The Tavus API failed on {where} (HTTP {status}: {why}) after every retry. "
    "Try again later.",
    ApiError: "Unexpected answer from the Tavus API to {where} (HTTP {status}: {why}).",
}


def error(call: Call, response: httpx.Response, scrubber: Scrubber) -> ApiError:
    """The ApiError for an unsuccessful answer to ``call``: class by status, a message naming
    the request, the persona and the status, and no secret (see :func:`detail`)."""
    status, why = response.status_code, detail(response, call, scrubber)
    kind = _kind(call, status, why)
    template = _TEMPLATES.get(status) or _TEMPLATES[kind]
    message = template.format(
        where=f"{call.label} for {call.subject}",
        label=call.label,
        subject=call.subject,
        status=status,
        why=why,
    )
    exc = kind(scrubber.scrub(message), status=status)
    if isinstance(exc, RateLimited):
        exc.retry_after = parse_retry_after(response.headers.get("retry-after"))
    return exc


def _kind(call: Call, status: int, why: str) -> type[ApiError]:
    if status in (401, 403):
        return AuthError
    if status == 404 or _invalid_id(status, why):
        return NotFound
    if status in (400, 409, 412, 422) and _has_tests(call.body):
        return PreconditionFailed
    if status in (400, 409, 422):
        return InvalidRequest
    if status == 429:
        return RateLimited
    return ServerError if status >= 500 else ApiError


def _has_tests(body: object) -> bool:
    return isinstance(body, list) and any(
        isinstance(op, dict) and op.get("op") == "test" for op in body
    )


def outcome_unknown(call: Call, why: str, scrubber: Scrubber) -> OutcomeUnknown:
    """The error for a write that may or may not have taken effect."""
    return OutcomeUnknown(
        scrubber.scrub(
            f"The outcome of {call.label} for {call.subject} is unknown ({why}): it may or may "
            "not have taken effect."
        )
    )


def describe(exc: Exception) -> str:
    """A short name for a transport failure: ``ReadTimeout: timed out``."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def update_holds(live: Mapping[str, object], payload: UpdatePayload, is_secret: IsSecret) -> bool:
    """Whether ``live`` already holds every non-secret value an update sets or removes: JSON
    Patch operations, or a plain JSON body (each field given replaces; ``null`` clears it).

    Used after a retried PATCH whose earlier attempt may have succeeded. Secret paths are
    skipped because the server may mask or omit them.
    """
    if not isinstance(payload, Mapping):
        return _patch_holds(live, payload, is_secret)
    return all(
        is_secret(f"/{pointer.escape(key)}") or _field_holds(live.get(key, MISSING), value)
        for key, value in payload.items()
    )


def _field_holds(found: object, sent: object) -> bool:
    """A body field ``sent`` holds: ``null`` (cleared) if absent or null, else if equal."""
    return found in (MISSING, None) if sent is None else same(found, sent)


def _patch_holds(
    live: Mapping[str, object], ops: Sequence[Mapping[str, object]], is_secret: IsSecret
) -> bool:
    for op in ops:
        path = str(op.get("path", ""))
        if op.get("op") == "test" or is_secret(path):
            continue
        found = pointer.get(live, path)
        if op.get("op") == "remove" and found is not MISSING:
            return False
        if op.get("op") in ("add", "replace") and not same(found, op.get("value")):
            return False
        if op.get("op") not in ("add", "replace", "remove"):
            return False
    return True
