"""tavusctl against a hostile API server (tests/support/hostile.py): every run ends, in bounded
memory and time, with one clean error line and nothing of the server's terminal control."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tavusctl.api import fetch
from tavusctl.api.client import TavusClient
from tavusctl.core.errors import ApiError
from tests.support.cli import Result, run_cli
from tests.support.hostile import HostileServer, Reply, Request, dribble

MANIFEST = """apiVersion: tavusctl/v1
kind: Persona
metadata: {name: ann}
spec: {persona_name: Ann, system_prompt: Hi}
"""


def plan(tmp_path: Path, server: HostileServer, *args: str, **env: str) -> Result:
    (tmp_path / "m").mkdir(exist_ok=True)
    (tmp_path / "m" / "ann.yaml").write_text(MANIFEST)
    return run_cli("plan", "m", *args, cwd=tmp_path, env={**server.env(), **env}, timeout=60)


def failed_cleanly(result: Result) -> str:
    """The error (from ``Error:`` on, after any notice), once it is clear the run failed cleanly."""
    assert result.code == 1, result.output
    assert "Traceback" not in result.stderr, result.stderr
    assert "Error: " in result.stderr, result.stderr
    return result.stderr[result.stderr.index("Error: ") :]


def test_a_total_count_of_a_billion_is_refused_after_one_request(tmp_path, hostile):
    hostile.handler = lambda r: Reply.json({"data": [], "total_count": 10**9})
    error = failed_cleanly(plan(tmp_path, hostile))
    assert "1000000000 personas" in error and "at most 1000 pages" in error
    assert len(hostile.seen) == 1


def test_a_list_without_total_count_that_never_ends_is_an_error_not_a_silent_stop(
    hostile, monkeypatch
):
    def endless(request: Request) -> Reply:
        limit = int(request.query["limit"])
        page = int(request.query["page"])
        items = [{"persona_id": f"p{page}-{i}", "persona_type": "user"} for i in range(limit)]
        return Reply.json({"data": items})

    hostile.handler = endless
    monkeypatch.setattr(fetch, "MAX_PAGES", 5)  # 1,000 pages take too long for the suite

    async def go() -> None:
        async with TavusClient(hostile.url, "hostile-key", timeout=5) as client:
            await fetch.fetch_live(client)

    with pytest.raises(ApiError, match="gave 5 full pages of 100 without a last one"):
        asyncio.run(go())
    assert len(hostile.seen) == 5


def test_an_answer_dribbled_byte_by_byte_is_cut_off_at_the_timeout(tmp_path, hostile):
    body = json.dumps({"data": [], "total_count": 0}).encode()
    # Each byte comes well within the timeout; the whole answer would take 30 s.
    hostile.handler = lambda r: Reply(200, dribble(body), pause=30 / len(body))
    error = failed_cleanly(plan(tmp_path, hostile, TAVUSCTL_TIMEOUT="0.5"))
    assert "no complete answer within 0.5 s" in error


def test_a_huge_answer_is_refused_without_reading_it_all(tmp_path, hostile):
    chunk = b" " * (1024 * 1024)
    sent = []

    def huge(_: Request) -> Reply:
        def chunks() -> Iterator[bytes]:
            for _ in range(300):
                sent.append(1)
                yield chunk

        return Reply(200, chunks())

    hostile.handler = huge
    error = failed_cleanly(plan(tmp_path, hostile, TAVUSCTL_TIMEOUT="20"))
    assert "larger than 64 MiB" in error
    assert len(hostile.seen) == 1  # not retried
    assert len(sent) < 100


def test_a_server_error_text_is_cut_and_its_terminal_escapes_are_not_printed(tmp_path, hostile):
    text = "\x1b]0;pwned\x07\x1b[2J\x1b[1;1Hok\r\x9b31m" + "A" * 1_000_000
    hostile.handler = lambda r: Reply(400, text.encode())
    error = failed_cleanly(plan(tmp_path, hostile))
    assert "\x1b" not in error and "\x9b" not in error and "\r" not in error and "\x07" not in error
    assert len(error) < 1000


@pytest.mark.parametrize(
    "url",
    [
        "http://user:pa55word-SECRET@127.0.0.1:9",
        "http://user:pa55word-SECRET@tavus.example.com",
        "https://user:pa55word-SECRET@tavus.example.com",
        "https://tavus.example.com/?key=pa55word-SECRET",
        "http://u:pa55word-SECRET/x@bad host",
    ],
)
def test_a_password_in_the_api_url_is_never_printed(tmp_path, url: str) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "ann.yaml").write_text(MANIFEST)
    env = {"TAVUS_API_URL": url, "TAVUS_API_KEY": "k" * 32, "TAVUSCTL_TIMEOUT": "1"}
    for verbosity in ([], ["-vv"]):
        result = run_cli(*verbosity, "plan", "m", cwd=tmp_path, env=env)
        failed_cleanly(result)
        assert "pa55word" not in result.output, result.output


def test_a_very_short_api_key_is_refused_before_any_request(tmp_path, hostile) -> None:
    result = plan(tmp_path, hostile, TAVUS_API_KEY="e")
    error = failed_cleanly(result)
    assert "has only 1 character;" in error and "(api key)" not in error
    assert hostile.seen == []


def test_a_whole_run_deadline_stops_a_server_that_never_finishes(tmp_path, hostile) -> None:
    def slow_endless(request: Request) -> Reply:
        page = int(request.query["page"])
        items = [{"persona_id": f"p{page}-{i}", "persona_type": "user"} for i in range(100)]
        return Reply(200, [json.dumps({"data": items}).encode()], pause=0.2)

    hostile.handler = slow_endless
    error = failed_cleanly(plan(tmp_path, hostile, TAVUSCTL_DEADLINE="1"))
    assert "reached its deadline (--deadline 1 s)" in error
    assert len(hostile.seen) < 20
