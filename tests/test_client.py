"""The API client against scripted answers (httpx.MockTransport): retries, errors, variants."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tavusctl.api.client import TavusClient, check_url
from tavusctl.api.retry import RetryPolicy, parse_retry_after
from tavusctl.core.errors import (
    ApiError,
    AuthError,
    InvalidRequest,
    NotFound,
    OutcomeUnknown,
    PreconditionFailed,
    RateLimited,
    ServerError,
    Unreachable,
)

KEY = "sk-very-secret-key-123"
Answer = httpx.Response | Exception


class Script:
    """A MockTransport handler that answers from a list and records every request."""

    def __init__(self, *answers: Answer | Callable[[httpx.Request], Answer]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.made = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if callable(answer) and not isinstance(answer, httpx.Response):
            answer = answer(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, *, rand: float = 0.5, attempts: int = 5, **kw: Any) -> TavusClient:
        policy = RetryPolicy(attempts=attempts, sleep=self.sleep, rand=lambda: rand)
        return TavusClient(
            "https://api.test", KEY, transport=httpx.MockTransport(self), retry=policy, **kw
        )


def run(
    script: Script, method: str, *args: Any, attempts: int = 5, rand: float = 0.5, **kw: Any
) -> Any:
    """Call ``client.<method>(*args, **kw)`` on a client over ``script``."""

    async def go() -> Any:
        async with script.client(attempts=attempts, rand=rand) as client:
            try:
                return await getattr(client, method)(*args, **kw)
            finally:
                script.made = client.requests_made

    return asyncio.run(go())


def reply(status: int, body: Any = None, **headers: str) -> httpx.Response:
    if body is None:
        return httpx.Response(status, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


PERSONA = {"persona_id": "p1", "persona_name": "One", "system_prompt": "hi"}


def test_requests_carry_the_api_key_header_and_json_bodies() -> None:
    script = Script(reply(200, PERSONA))
    run(script, "patch_persona", "p1", [{"op": "replace", "path": "/a", "value": 1}])
    request = script.requests[0]
    assert request.headers["x-api-key"] == KEY
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == [{"op": "replace", "path": "/a", "value": 1}]
    assert request.url.path == "/v2/personas/p1"


@pytest.mark.parametrize(
    "url",
    ["https://tavusapi.com", "http://127.0.0.1:8787", "http://127.5.0.1", "http://localhost:1"],
)
def test_https_and_loopback_http_urls_are_accepted(url: str) -> None:
    check_url(url)
    check_url("http://[::1]:8787")


@pytest.mark.parametrize("url", ["http://tavusapi.com", "http://10.0.0.1", "ftp://x", "nonsense"])
def test_plain_http_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(ApiError, match="must start with https://"):
        TavusClient(url, KEY)


@pytest.mark.parametrize(
    "body",
    [PERSONA, {"data": [PERSONA]}, {"data": PERSONA}],
    ids=["flat", "wrapped-list", "wrapped-object"],
)
def test_get_persona_accepts_flat_and_wrapped_answers(body: Any) -> None:
    assert run(Script(reply(200, body)), "get_persona", "p1") == PERSONA


@pytest.mark.parametrize(
    "answer",
    [reply(404, {"error": "Persona not found"}), reply(400, {"error": "Invalid persona_id"})],
)
def test_a_missing_persona_reads_as_none(answer: httpx.Response) -> None:
    assert run(Script(answer), "get_persona", "p1") is None


@pytest.mark.parametrize(
    "answer", [httpx.Response(200, text="<html>oops</html>"), httpx.Response(200), reply(200, [1])]
)
def test_an_unreadable_persona_is_an_error_never_gone(answer: httpx.Response) -> None:
    with pytest.raises(ApiError, match="Unexpected answer to GET /v2/personas/p1 for persona p1"):
        run(Script(answer), "get_persona", "p1")


def test_an_empty_data_list_means_gone() -> None:
    assert run(Script(reply(200, {"data": []})), "get_persona", "p1") is None


def test_a_get_persona_400_for_another_reason_is_an_error() -> None:
    with pytest.raises(InvalidRequest, match="HTTP 400: limit is odd"):
        run(Script(reply(400, {"message": "limit is odd"})), "get_persona", "p1")


@pytest.mark.parametrize("status", [500, 502, 504])
def test_reads_retry_server_errors(status: int) -> None:
    script = Script(reply(status, {"error": "boom"}), reply(200, PERSONA))
    assert run(script, "get_persona", "p1") == PERSONA
    assert script.made == 2


def test_get_retries_503_honouring_retry_after() -> None:
    script = Script(reply(503, {"error": "busy"}, **{"Retry-After": "3"}), reply(200, PERSONA))
    assert run(script, "get_persona", "p1") == PERSONA
    assert script.made == 2
    assert script.sleeps == [3.0]


def test_backoff_is_exponential_full_jitter_and_capped() -> None:
    script = Script(reply(502))
    with pytest.raises(ServerError, match="HTTP 502"):
        run(script, "get_persona", "p1", rand=1.0, attempts=6)
    assert script.sleeps == [0.2, 0.4, 0.8, 1.6, 3.2]
    assert script.made == 6
    policy = RetryPolicy(base=1, cap=3, rand=lambda: 0.5)
    assert [policy.delay(n) for n in range(4)] == [0.5, 1.0, 1.5, 1.5]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("0.5", 0.5), ("-3", 0.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("x", None)],
)
def test_retry_after_parses_seconds_and_dates(header: str, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_reads_retry_connection_errors_then_report_unreachable() -> None:
    script = Script(httpx.ConnectError("refused"))
    with pytest.raises(Unreachable, match=r"Could not reach the Tavus API at https://api.test"):
        run(script, "get_persona", "p1")
    assert script.made == 5


def test_a_read_timeout_on_get_is_retried() -> None:
    script = Script(httpx.ReadTimeout("slow"), reply(200, PERSONA))
    assert run(script, "get_persona", "p1") == PERSONA
    assert len(script.requests) == 2


@pytest.mark.parametrize(
    "answer",
    [
        reply(500, {"error": "boom"}),
        reply(502),
        reply(503, {"error": "busy"}, **{"Retry-After": "1"}),
        reply(504),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.ReadError("reset"),
        reply(200, {"persona_name": "x"}),
    ],
)
def test_a_create_is_never_retried_when_its_outcome_is_unknown(answer: Answer) -> None:
    script = Script(answer, reply(200, PERSONA))
    with pytest.raises(OutcomeUnknown, match="POST /v2/personas for a new persona named 'One'"):
        run(script, "create_persona", {"persona_name": "One"})
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    "refusal",
    [reply(429, {"error": "Too many requests"}, **{"Retry-After": "2"}), httpx.ConnectError("no")],
)
def test_a_create_refused_before_processing_is_retried(refusal: Answer) -> None:
    script = Script(refusal, reply(200, {"persona_id": "p9", "persona_name": "One"}))
    assert run(script, "create_persona", {"persona_name": "One"}) == "p9"
    assert len(script.requests) == 2


@pytest.mark.parametrize(
    "body",
    [{"persona_id": "p9"}, {**PERSONA, "persona_id": "p9"}, {"data": [{"persona_id": "p9"}]}],
)
def test_create_returns_the_id_from_a_minimal_or_full_answer(body: Any) -> None:
    assert run(Script(reply(200, body)), "create_persona", {"persona_name": "One"}) == "p9"


REPLACE = [{"op": "replace", "path": "/persona_name", "value": "Two"}]


@pytest.mark.parametrize(
    ("status", "kind", "fragment"),
    [
        (401, AuthError, "rejected the API key (HTTP 401 on PATCH /v2/personas/p1"),
        (403, AuthError, "refused access (HTTP 403 on PATCH /v2/personas/p1 for persona p1"),
        (404, NotFound, "persona p1 does not exist on the Tavus account (HTTP 404"),
        (422, InvalidRequest, "rejected PATCH /v2/personas/p1 for persona p1 (HTTP 422: bad key"),
        (429, RateLimited, "kept rate limiting PATCH /v2/personas/p1 for persona p1 (HTTP 429)"),
        (500, ServerError, "failed on PATCH /v2/personas/p1 for persona p1 (HTTP 500"),
        (418, ApiError, "Unexpected answer from the Tavus API to PATCH /v2/personas/p1"),
    ],
)
def test_errors_are_translated_by_status_and_never_contain_the_key(
    status: int, kind: type[ApiError], fragment: str
) -> None:
    echo = {"message": f"bad key {KEY}"}
    with pytest.raises(kind) as caught:
        run(Script(reply(status, echo)), "patch_persona", "p1", REPLACE, attempts=2)
    assert type(caught.value) is kind
    assert fragment in caught.value.message
    assert KEY not in caught.value.message
    assert caught.value.status == status


def test_a_401_names_the_variable_to_check() -> None:
    with pytest.raises(AuthError) as caught:
        run(Script(reply(401, {"message": "Invalid access token"})), "get_persona", "p1")
    assert caught.value.message.endswith("Check TAVUS_API_KEY (or --api-key).")


def test_error_bodies_are_read_from_error_or_message_or_text() -> None:
    for answer, words in [
        (reply(422, {"error": "Unknown field: /x"}), "HTTP 422: Unknown field: /x"),
        (reply(422, {"message": "Invalid JSON patch format"}), "HTTP 422: Invalid JSON patch"),
        (httpx.Response(422, text="plain words"), "HTTP 422: plain words"),
        (httpx.Response(422), "HTTP 422: no details given"),
    ]:
        with pytest.raises(InvalidRequest, match=words):
            run(Script(answer), "patch_persona", "p1", REPLACE)


@pytest.mark.parametrize(
    ("answer", "changed"),
    [
        (reply(200, PERSONA), True),
        (reply(200, {"message": "Persona updated successfully"}), True),
        (httpx.Response(200), True),
        (httpx.Response(204), True),
        (httpx.Response(304), False),
    ],
)
def test_patch_accepts_every_success_shape(answer: httpx.Response, changed: bool) -> None:
    assert run(Script(answer), "patch_persona", "p1", REPLACE) is changed


TESTED = [{"op": "test", "path": "/persona_name", "value": "One"}, *REPLACE]


@pytest.mark.parametrize(
    "answer",
    [reply(422, {"message": "Invalid JSON patch format"}), reply(400, {"error": "Invalid patch"})],
)
def test_a_failed_test_operation_is_a_precondition_failure(answer: httpx.Response) -> None:
    with pytest.raises(PreconditionFailed, match="changed by someone else since the plan") as e:
        run(Script(answer), "patch_persona", "p1", TESTED)
    assert "Nothing was overwritten" in e.value.message


def test_patching_a_missing_persona_is_not_found_not_a_precondition() -> None:
    with pytest.raises(NotFound, match="persona p1 does not exist"):
        run(Script(reply(400, {"error": "Invalid persona_id"})), "patch_persona", "p1", TESTED)


@pytest.mark.parametrize("now_named", ["Two", "Three"])
def test_a_retried_patch_whose_lost_attempt_succeeded_counts_as_success(now_named: str) -> None:
    # Attempt 1 reached the server but its answer was lost (502); attempt 2's test then fails
    # because attempt 1 already changed the name. A read-back decides.
    script = Script(
        reply(502),
        reply(422, {"message": "Invalid JSON patch format"}),
        reply(200, {**PERSONA, "persona_name": now_named}),
    )
    if now_named == "Two":
        assert run(script, "patch_persona", "p1", TESTED) is True
    else:
        with pytest.raises(PreconditionFailed):
            run(script, "patch_persona", "p1", TESTED)
    assert [r.method for r in script.requests] == ["PATCH", "PATCH", "GET"]


def test_a_304_after_a_lost_patch_attempt_is_reported_as_our_change() -> None:
    script = Script(httpx.ReadTimeout("slow"), httpx.Response(304), reply(200, PERSONA))
    assert run(script, "patch_persona", "p1", [{"op": "remove", "path": "/context"}]) is True


def test_a_429_on_patch_is_retried_and_a_later_304_checked_by_reading_back() -> None:
    # The emulator's chaos may answer 429 after making the change, so a 429 is not proof.
    renamed = reply(200, {**PERSONA, "persona_name": "Two"})
    script = Script(reply(429, {"error": "slow down"}), httpx.Response(304), renamed)
    assert run(script, "patch_persona", "p1", TESTED) is True
    assert [r.method for r in script.requests] == ["PATCH", "PATCH", "GET"]


def test_a_patch_answered_304_at_once_is_no_change_without_a_read_back() -> None:
    script = Script(httpx.Response(304))
    assert run(script, "patch_persona", "p1", TESTED) is False
    assert [r.method for r in script.requests] == ["PATCH"]


def test_a_create_may_leave_a_429_to_its_caller() -> None:
    script = Script(reply(429, {"error": "slow down"}, **{"Retry-After": "4"}))
    with pytest.raises(RateLimited) as caught:
        run(script, "create_persona", {"persona_name": "One"}, retry_refused=False)
    assert caught.value.retry_after == 4.0
    assert len(script.requests) == 1


@pytest.mark.parametrize(
    ("answers", "deleted"),
    [
        ([httpx.Response(204)], True),
        ([reply(400, {"error": "Invalid persona_id"})], False),
        ([reply(404, {"error": "Persona not found"})], False),
        ([httpx.ReadTimeout("slow"), reply(404, {"error": "Persona not found"})], True),
    ],
)
def test_delete_reports_whether_it_deleted(answers: list[Answer], deleted: bool) -> None:
    assert run(Script(*answers), "delete_persona", "p1") is deleted


def test_list_personas_asks_for_user_personas_and_unwraps_items() -> None:
    script = Script(reply(200, {"data": [PERSONA, {"data": [PERSONA]}], "total_count": 7}))
    page = run(script, "list_personas", page=2, limit=100)
    assert page.items == [PERSONA, PERSONA]
    assert page.total_count == 7
    assert dict(script.requests[0].url.params) == {
        "page": "2",
        "limit": "100",
        "persona_type": "user",
    }


def test_concurrency_is_bounded_by_max_concurrency() -> None:
    active, peak = 0, 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.001)
        active -= 1
        return reply(200, PERSONA)

    async def go() -> int:
        transport = httpx.MockTransport(handler)
        async with TavusClient(
            "https://api.test", KEY, transport=transport, max_concurrency=3
        ) as client:
            await asyncio.gather(*(client.get_persona(f"p{i}") for i in range(20)))
            return client.requests_made

    assert asyncio.run(go()) == 20
    assert peak == 3
