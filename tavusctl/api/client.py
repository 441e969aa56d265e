"""The Tavus API client: one method per API call, retries, and our own error types.

Nothing above this module sees httpx. Every HTTP error is translated here, by status code, into
an :class:`~tavusctl.core.errors.ApiError` subclass whose message names the persona or request and
the HTTP status, says what to do, and never contains the API key.

Retries (see :mod:`tavusctl.api.retry`): GET, PATCH and DELETE are retried on 429/500/502/503/504
and on connection errors and timeouts; a 429 pauses every request of the client until its
``Retry-After`` and then paces them (:mod:`tavusctl.api.throttle`). A POST is never retried blindly, because a POST that reached
the server may have created a persona: only a refusal that proves nothing happened (429, or a
connection that was never established) is retried; a timeout, a dropped connection or a 5xx
raises :class:`~tavusctl.core.errors.OutcomeUnknown` and the caller reconciles by listing.

A retried PATCH or DELETE may have taken effect on an earlier attempt whose answer was lost
(even a 429 may be sent after the change was made: the emulator's chaos mode does so).
PATCH: if a later attempt then fails its ``test`` operations (or answers 304), the client reads
the persona back and reports success when every non-secret value the patch sets is already
there (that is what the lost attempt did); otherwise the failure stands. DELETE: "already gone"
after such an attempt counts as deleted by us.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import importlib.util
import ipaddress
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import httpx

from tavusctl.api import transport as lean
from tavusctl.api import wire
from tavusctl.api.retry import IDEMPOTENT_RETRY_STATUSES, RetryPolicy, parse_retry_after
from tavusctl.api.throttle import Throttle
from tavusctl.core import display
from tavusctl.core.errors import (
    ApiError,
    AuthError,
    NotFound,
    OutcomeUnknown,
    PreconditionFailed,
    Unreachable,
)
from tavusctl.core.payloads import JsonObject, UpdatePayload
from tavusctl.core.secrets import Scrubber
from tavusctl.kinds import PERSONA, Kind

# The largest answer read (encoded and decoded): a page of 100 personas with long prompts is a
# few MB; a server sending more is broken or hostile, and reading on would eat the machine.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024

# Connection failures that prove the request never reached the server: safe to retry even a POST.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Page:
    """One page of a list (``GET /v2/personas``). ``total_count`` is None if the server
    omitted it."""

    items: list[JsonObject]
    total_count: int | None


@dataclass(frozen=True)
class _Sent:
    """A response, and whether an earlier attempt of the same request may have taken effect."""

    response: httpx.Response
    uncertain: bool


class TavusClient:
    """Async client for the Tavus API v2 (personas, replicas, conversations)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 16,
        log: Callable[[str], None] | None = None,
        scrubber: Scrubber | None = None,
    ) -> None:
        check_url(base_url, injected=transport is not None)
        _remember_sniffio_is_missing()
        if not api_key or not api_key.strip():
            raise AuthError("No Tavus API key: set TAVUS_API_KEY (or pass --api-key).")
        self.base_url = base_url.rstrip("/")
        self._key = api_key
        self.retry = retry or RetryPolicy()
        self.timeout = timeout  # the longest one request may take (a POST in flight, say)
        self._gate = asyncio.Semaphore(max_concurrency)
        self.throttle = Throttle(sleep=self.retry.sleep)  # shared by all requests: see throttle.py
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"x-api-key": api_key, "accept": "application/json"},
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            # As many connections kept alive as requests in flight (the gate bounds those):
            # httpx keeps 20 by default, so at --parallelism 32 most answers closed a connection
            # and the next request opened a new one. No cap of its own on the pool: a request
            # cancelled by its deadline may hold its connection a moment after leaving the gate.
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=max_concurrency),
        )
        if transport is None:
            lean.lighten(self._http)
        self.requests_made = 0
        # Requests by collection (``/v2/guardrails``): how many each kind took.
        self.requests_to: Counter[str] = Counter()
        self._log = log  # one line per HTTP request (method, path, status, time); never bodies
        # Secrets seen in clear (the key; fetch adds those the API shows), for the output to hide.
        self.scrubber = Scrubber() if scrubber is None else scrubber
        self.scrubber.add(api_key)

    @property
    def api_key(self) -> str:
        """The key (to derive other keys from, e.g. a saved plan's; never to show)."""
        return self._key

    def key_fingerprint(self, salt: str) -> str:
        """A salted keyed hash of this client's API URL and key (never the key itself): what a
        lockfile records to recognise its account."""
        text = f"{self.base_url}\n{self._key}".encode()
        return "hmac-sha256:" + hmac.new(salt.encode(), text, hashlib.sha256).hexdigest()

    async def __aenter__(self) -> TavusClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # -- resources of any kind ---------------------------------------------------------------

    async def list_page(self, kind: Kind, *, page: int, limit: int) -> Page:
        """One page (1-based) of ``kind``'s list, items unwrapped."""
        params: dict[str, object] = {"page": page, "limit": limit, **kind.list_params}
        call = wire.Call(
            "GET", kind.collection, f"the {kind.noun} list", params=params, is_secret=kind.secrets
        )
        doc = wire.json_body((await self._ok(call)).response)
        items, total = wire.page(doc, call, self.scrubber, kind)
        return Page(items, total)

    async def get(self, kind: Kind, object_id: str) -> JsonObject | None:
        """The object, or None when it is gone (404, or 400 ``Invalid persona_id``)."""
        call = _object_call(kind, "GET", object_id)
        sent = await self._ok_or_gone(call)
        if sent is None:
            return None
        return wire.one(wire.json_body(sent.response), call, self.scrubber, kind.id_field)

    async def create(
        self, kind: Kind, body: Mapping[str, object], *, retry_refused: bool = True
    ) -> str:
        """POST an object and return its id. Raises OutcomeUnknown when it may have been created.

        A 429 is retried unless ``retry_refused`` is false: then it raises RateLimited, for a
        caller that checks the account first (a server might answer 429 after the write).
        """
        name = body.get(kind.name_field)
        subject = f"a new {kind.noun} named {name!r}"
        call = wire.Call(
            "POST",
            kind.collection,
            subject,
            body=body,
            retry_refused=retry_refused,
            is_secret=kind.secrets,
        )
        sent = await self._ok(call)
        return wire.created_id(wire.json_body(sent.response), call, self.scrubber, kind)

    async def update(self, kind: Kind, object_id: str, payload: UpdatePayload) -> bool:
        """PATCH an object with ``payload`` (JSON Patch operations, or a JSON body for a kind
        that takes one). True if it changed (200/204), False if not (304)."""
        call = _object_call(kind, "PATCH", object_id, body=payload)
        try:
            sent = await self._ok(call)
        except PreconditionFailed:
            if not call.uncertain or not await self._update_holds(kind, object_id, payload):
                raise
            return True
        if sent.response.status_code == 304:
            return sent.uncertain and await self._update_holds(kind, object_id, payload)
        return True

    async def delete(self, kind: Kind, object_id: str) -> bool:
        """Delete an object. False if it was already gone."""
        call = _object_call(kind, "DELETE", object_id)
        sent = await self._ok_or_gone(call)
        return sent is not None or call.uncertain

    # -- personas ---------------------------------------------------------------------------

    async def list_personas(self, *, page: int, limit: int) -> Page:
        """One page (1-based) of user personas, items unwrapped."""
        return await self.list_page(PERSONA, page=page, limit=limit)

    async def get_persona(self, persona_id: str) -> JsonObject | None:
        """The persona, or None when it is gone (404, or 400 ``Invalid persona_id``)."""
        return await self.get(PERSONA, persona_id)

    async def create_persona(
        self, body: Mapping[str, object], *, retry_refused: bool = True
    ) -> str:
        """POST a persona and return its id (see :meth:`create`)."""
        return await self.create(PERSONA, body, retry_refused=retry_refused)

    async def patch_persona(self, persona_id: str, ops: Sequence[Mapping[str, object]]) -> bool:
        """Apply a JSON Patch. True if the persona changed (200/204), False if not (304)."""
        return await self.update(PERSONA, persona_id, ops)

    async def delete_persona(self, persona_id: str) -> bool:
        """Delete a persona. False if it was already gone."""
        return await self.delete(PERSONA, persona_id)

    # -- other resources --------------------------------------------------------------------

    async def get_replica(self, replica_id: str) -> JsonObject | None:
        """The replica, or None when it does not exist."""
        path = f"/v2/replicas/{quote(replica_id, safe='')}"
        call = wire.Call("GET", path, f"replica {replica_id}")
        sent = await self._ok_or_gone(call)
        if sent is None:
            return None
        return wire.one(wire.json_body(sent.response), call, self.scrubber, "replica_id")

    async def create_conversation(self, body: Mapping[str, object]) -> JsonObject:
        """Start a conversation (POST: never retried blindly)."""
        call = wire.Call("POST", "/v2/conversations", "a new conversation", body=body)
        doc = wire.json_body((await self._ok(call)).response)
        return doc if isinstance(doc, dict) else {}

    # -- machinery --------------------------------------------------------------------------

    async def _update_holds(self, kind: Kind, object_id: str, payload: UpdatePayload) -> bool:
        live = await self.get(kind, object_id)
        return live is not None and wire.update_holds(live, payload, kind.secrets)

    async def _ok(self, call: wire.Call) -> _Sent:
        """Send ``call``; a success (2xx/304) is returned, anything else raises an ApiError."""
        sent = await self._send(call)
        if wire.succeeded(sent.response):
            return sent
        raise wire.error(call, sent.response, self.scrubber)

    async def _ok_or_gone(self, call: wire.Call) -> _Sent | None:
        """Like :meth:`_ok`, but None when the resource does not exist."""
        sent = await self._send(call)
        if wire.succeeded(sent.response):
            return sent
        if wire.is_gone(sent.response):
            return None
        raise wire.error(call, sent.response, self.scrubber)

    async def _send(self, call: wire.Call) -> _Sent:
        """Send with retries per the policy; the last response is returned whatever its status."""
        for retry in range(self.retry.attempts):
            final = retry == self.retry.attempts - 1
            try:
                response = await self._attempt(call)
            except httpx.TransportError as exc:
                self._on_transport_error(call, exc, final)
                await self.retry.sleep(self.retry.delay(retry))
                continue
            if not self._should_retry(call, response, final):
                return _Sent(response, call.uncertain)
            call.uncertain = True  # even a 429 may come after the write (the emulator's chaos)
            if response.status_code != 429:  # a 429 paused every request already (_attempt)
                after = parse_retry_after(response.headers.get("retry-after"))
                await self.retry.sleep(self.retry.delay(retry, after))
        raise AssertionError("unreachable: the final attempt always returns or raises")

    async def _attempt(self, call: wire.Call) -> httpx.Response:
        async with self._gate:
            await self.throttle.wait()
            self.requests_made += 1
            self.requests_to["/".join(call.path.split("/", 3)[:3])] += 1
            started = time.monotonic()
            outcome = "no answer"
            try:
                response = await self._request(call)
                outcome = f"HTTP {response.status_code}"
                self._pace(response)
                return response
            finally:
                if self._log is not None:
                    took = (time.monotonic() - started) * 1000
                    query = f"?{urlencode(call.params)}" if call.params else ""
                    self._log(f"{call.label}{query} -> {outcome} ({took:.0f} ms)")

    async def _request(self, call: wire.Call) -> httpx.Response:
        """One HTTP exchange, whole answer read, within ``timeout`` seconds from start to end.

        httpx's timeout bounds each gap between bytes, so a server sending one byte a second
        would hold the run for ever; the deadline bounds the whole answer. Its body is read up
        to :data:`MAX_RESPONSE_BYTES`: beyond that the server is not behaving like Tavus.
        """
        request = self._http.build_request(
            call.method, call.path, params=call.params, json=call.body
        )
        try:
            return await asyncio.wait_for(self._read_capped(request), self.timeout)
        except wire.TooLarge as exc:
            if call.method == "POST":  # it may have created something all the same
                raise wire.outcome_unknown(
                    call, "the answer was too large", self.scrubber
                ) from None
            raise ApiError(self.scrubber.scrub(exc.message)) from None
        except asyncio.TimeoutError:
            raise httpx.ReadTimeout(
                f"no complete answer within {self.timeout:g} s", request=request
            ) from None

    async def _read_capped(self, request: httpx.Request) -> httpx.Response:
        response = await self._http.send(request, stream=True)
        try:
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():  # decoded (gzip ...) as it comes
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise wire.too_large(call_label(request), MAX_RESPONSE_BYTES)
                chunks.append(chunk)
        finally:
            await response.aclose()
        headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(
            response.status_code, headers=headers, content=b"".join(chunks), request=request
        )

    def _pace(self, response: httpx.Response) -> None:
        """Tell the shared throttle how the server took this request."""
        if response.status_code == 429:
            after = parse_retry_after(response.headers.get("retry-after"))
            self.throttle.throttled(self.retry.delay(0, after))
        else:  # any other answer was served within the limit, an error too
            self.throttle.succeeded()

    def _should_retry(self, call: wire.Call, response: httpx.Response, final: bool) -> bool:
        status = response.status_code
        if call.method == "POST" and status >= 500:
            raise wire.outcome_unknown(call, f"HTTP {status}", self.scrubber)
        if call.method == "POST" and not call.retry_refused:
            return False
        return status in IDEMPOTENT_RETRY_STATUSES and not final

    def _on_transport_error(self, call: wire.Call, exc: httpx.TransportError, final: bool) -> None:
        never_sent = isinstance(exc, _NEVER_SENT)
        if call.method == "POST" and not never_sent:
            raise wire.outcome_unknown(call, wire.describe(exc), self.scrubber) from None
        call.uncertain |= not never_sent
        if final:
            raise Unreachable(
                self.scrubber.scrub(
                    f"Could not reach the Tavus API at {shown_url(self.base_url)} for "
                    f"{call.subject} ({call.label}: {wire.describe(exc)}) after "
                    f"{self.retry.attempts} "
                    "attempts. Check --api-url (TAVUS_API_URL) and your network, then try again."
                    + _timeout_hint(exc, self.timeout)
                )
            ) from None


def call_label(request: httpx.Request) -> str:
    """``GET /v2/personas`` for a request (no query, no host: nothing secret)."""
    return f"{request.method} {request.url.path}"


def _timeout_hint(exc: httpx.TransportError, timeout: float) -> str:
    """For a timeout: how long each attempt waited and how to wait longer."""
    if not isinstance(exc, httpx.TimeoutException):
        return ""
    return (
        f" Each attempt waited {timeout:g} s for an answer; if the API is just slow, wait "
        "longer with --timeout SECONDS (or TAVUSCTL_TIMEOUT)."
    )


def _remember_sniffio_is_missing() -> None:
    """Make a missing ``sniffio`` fail to import at once instead of searching sys.path each time.

    httpcore runs ``import sniffio`` for every lock and event it sets up (about 13 per request)
    and falls back to asyncio when it is absent, which it is with anyio 4 (no longer a
    dependency). A failed import is not cached, so each one scans sys.path: ~40 µs, a quarter
    of the client's CPU time per request (measured with ``make bench``). A ``None`` entry in
    sys.modules makes the import fail immediately, with the same ImportError.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def _object_call(kind: Kind, method: str, object_id: str, body: object = None) -> wire.Call:
    path = kind.path_of(quote(object_id, safe=""))
    return wire.Call(method, path, f"{kind.noun} {object_id}", body=body, is_secret=kind.secrets)


def check_url(base_url: str, *, injected: bool = False) -> None:
    """Refuse anything but https://, except http:// to a loopback host (or an injected transport,
    which never touches the network), and any URL with a user name, password or query: the key
    goes in TAVUS_API_KEY, and messages show the URL."""
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is not None and (url.userinfo or url.query or url.fragment):
        raise ApiError(
            f"Refusing API URL {shown_url(base_url)!r}: it has a user name, password, query or "
            "fragment, which the Tavus API never takes (its key goes in TAVUS_API_KEY). Fix "
            "--api-url or TAVUS_API_URL to scheme, host and port only."
        )
    if url is not None and url.path.rstrip("/").lower().endswith("/v2"):
        root = shown_url(base_url).rstrip("/")[: -len("/v2")]
        raise ApiError(
            f"Refusing API URL {shown_url(base_url)!r}: it must be the server's address without "
            f"/v2 (tavusctl adds /v2/... itself), here {root!r}. Fix --api-url or TAVUS_API_URL."
        )
    if url is not None and url.scheme == "https" and url.host:
        return
    if url is not None and url.scheme == "http" and (injected or _is_loopback(url.host)):
        return
    raise ApiError(
        f"Refusing API URL {shown_url(base_url)!r}: it must start with https:// (plain http:// "
        "is allowed only for loopback addresses such as 127.0.0.1, ::1 or localhost, e.g. the "
        "emulator). Fix --api-url or TAVUS_API_URL."
    )


def shown_url(text: str) -> str:
    """``text`` (a URL, maybe unparsable) safe to show: no user name or password, no query."""
    text = re.sub(r"(?<=//).*@", "", text, flags=re.DOTALL)  # everything up to the last @
    return display.one_line(re.split(r"[?#]", text, maxsplit=1)[0])


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


__all__ = ["NotFound", "OutcomeUnknown", "Page", "PreconditionFailed", "TavusClient"]
