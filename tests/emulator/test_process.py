"""The real ``tavusctl emulator`` process: seeded faults, the state file, signals, --help."""

from __future__ import annotations

import json
import random
import signal
import threading
from pathlib import Path

import httpx
import pytest

from tests.support.emulator import emulator_process

KEY = {"x-api-key": "k"}


def request_sequence(url: str) -> list[object]:
    """A fixed mix of writes and reads; each outcome is a status or 'dropped'."""
    outcomes: list[object] = []
    with httpx.Client(base_url=url, headers=KEY, timeout=10) as client:

        def send(method: str, path: str, body: object = None) -> httpx.Response | None:
            try:
                response = client.request(method, path, json=body)
            except httpx.TransportError:
                outcomes.append("dropped")
                return None
            outcomes.append(response.status_code)
            return response

        for i in range(40):
            created = send("POST", "/v2/personas", {"persona_name": f"n{i}", "system_prompt": "x"})
            send("GET", "/v2/personas", None)
            if created is not None and created.status_code == 200:
                pid = created.json()["persona_id"]
                send(
                    "PATCH",
                    f"/v2/personas/{pid}",
                    [{"op": "add", "path": "/context", "value": "c"}],
                )
                outcomes.append(pid)
        listed = client.get("/_emulator/personas").json()["data"]
        outcomes.append(sorted((p["persona_name"], p.get("context")) for p in listed))
    return outcomes


def test_the_same_seed_gives_the_same_faults_on_every_run():
    runs = []
    for _ in range(2):
        with emulator_process("--fault-rate", "0.2", "--seed", "7") as (_proc, url):
            runs.append(request_sequence(url))
    assert runs[0] == runs[1]
    statuses = [o for o in runs[0] if isinstance(o, int) or o == "dropped"]
    assert 200 in statuses
    assert {500, 502, 503, 429, "dropped"} & set(statuses)


def create_until_killed(url: str, start: int) -> int:
    """Create personas n<start>, n<start+1>, ... until the server dies; return how many were answered."""
    answered = 0
    with httpx.Client(base_url=url, headers=KEY, timeout=5) as client:
        while True:
            try:
                client.post(
                    "/v2/personas",
                    json={"persona_name": f"n{start + answered}", "system_prompt": "x"},
                )
            except httpx.TransportError:
                return answered
            answered += 1


def test_sigkill_while_writing_the_state_file_leaves_the_last_complete_state(tmp_path: Path):
    state = tmp_path / "state.json"
    rng = random.Random(1)
    created = 0
    for _ in range(4):
        with emulator_process("--state-file", str(state)) as (proc, url):
            timer = threading.Timer(rng.uniform(0.2, 0.8), proc.send_signal, [signal.SIGKILL])
            timer.start()
            answered = create_until_killed(url, created)
            timer.join()
        data = json.loads(state.read_text())  # always a complete JSON document
        names = [p["persona_name"] for acct in data["accounts"].values() for p in acct["personas"]]
        assert names == [f"n{i}" for i in range(len(names))]  # a prefix of the creates, in order
        assert created <= len(names) <= created + answered + 1
        created = len(names)
    assert created > 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_cleanly_with_every_answered_change_saved(tmp_path: Path, signum):
    state = tmp_path / "state.json"
    with (
        emulator_process("--state-file", str(state)) as (proc, url),
        httpx.Client(base_url=url, headers=KEY) as client,
    ):
        for i in range(20):
            client.post("/v2/personas", json={"persona_name": f"n{i}", "system_prompt": "x"})
        proc.send_signal(signum)
        assert proc.wait(timeout=10) == 0
        assert proc.stderr is not None and "stopped" in proc.stderr.read()
    with emulator_process("--state-file", str(state)) as (_proc, url):
        listed = httpx.get(
            f"{url}/v2/personas", headers=KEY, params={"persona_type": "user", "limit": 100}
        ).json()
    assert [p["persona_name"] for p in listed["data"]] == [f"n{i}" for i in range(20)]


def test_a_corrupt_state_file_is_a_clear_error(tavusctl, tmp_path: Path):
    (tmp_path / "state.json").write_text('{"accounts": ')
    result = tavusctl("emulator", "--port", "0", "--state-file", "state.json")
    assert result.code == 1
    assert "state file state.json cannot be read" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_is_a_clear_error(tavusctl, emulator_server):
    port = emulator_server.url.rsplit(":", 1)[1]
    result = tavusctl("emulator", "--port", port)
    assert result.code == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr


def test_help_documents_every_switch(tavusctl):
    result = tavusctl("emulator", "--help")
    for option in ["--get-shape", "--secrets", "--fill-defaults", "--missing-status", "--patch-response",
                   "--create-response", "--unknown-fields", "--list-system-personas", "--patch-error-status",
                   "--max-page-size", "--latency-ms", "--jitter-ms", "--rate-limit", "--fault-rate", "--seed",
                   "--state-file", "--api-key", "--replica"]:  # fmt: skip
        assert option in result.stdout


def test_a_bad_rate_limit_is_a_usage_error(tavusctl):
    result = tavusctl("emulator", "--rate-limit", "fast")
    assert result.code == 2
    assert "not a rate such as 20/s" in result.stderr
