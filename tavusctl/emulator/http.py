"""Plain request/response values for the hand-written ASGI router."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

NO_BODY = object()  # a response that carries no body at all (204, 304, an "empty" 200)


@dataclass(frozen=True)
class Request:
    """One HTTP request, already read in full."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    client: str | None = None  # the peer's "host:port": one per TCP connection

    def json(self) -> object:
        """The parsed JSON body; ValueError if it is not JSON (an empty body is None)."""
        if not self.body.strip():
            return None
        return json.loads(self.body)

    def logged_body(self) -> object:
        """The parsed body for the request log, or None when it is absent or not JSON."""
        try:
            return self.json()
        except ValueError:
            return None


@dataclass(frozen=True)
class Response:
    """One HTTP response: a status, a JSON body (or NO_BODY) and extra headers."""

    status: int
    body: object = NO_BODY
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        """The body as bytes."""
        if self.body is NO_BODY:
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode()


class HttpError(Exception):
    """Raised by handlers to answer with an error status and body."""

    def __init__(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.response = Response(status, body, headers or {})


def error(status: int, message: str) -> HttpError:
    """An error answered with ``{"error": message}`` (the common Tavus shape)."""
    return HttpError(status, {"error": message})
