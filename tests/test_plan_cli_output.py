"""How `tavusctl plan` looks, end to end: colour only on a terminal and never with --no-color,
and Markdown with its summary table first and a collapsible section per changed persona."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.emulator import Emulator
from tests.support.planning import SECRETS, Workspace, secret_spec, spec

ESCAPE = "\x1b["


@pytest.fixture
def ws(tmp_path: Path, emulator: Emulator) -> Workspace:
    ws = Workspace(tmp_path, emulator)
    ws.write("ann", spec("ann"))
    pid = ws.sync("bob", spec("bob"))
    ws.emulator.edit_persona(pid, [{"op": "replace", "path": "/persona_name", "value": "Rob"}])
    return ws


def _plan(ws: Workspace, *options: str, terminal: bool) -> str:
    """stdout of ``tavusctl OPTIONS plan``, written to a pseudo-terminal or to a pipe, with
    NO_COLOR unset (the usual test runner sets it)."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    command = [sys.executable, "-m", "tavusctl", *options, "plan", "manifests"]
    if not terminal:
        run = subprocess.run(command, cwd=ws.root, env={**env, **ws.emulator.env, **ws.env},
                             capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
        return run.stdout
    leader, follower = pty.openpty()
    try:
        subprocess.run(command, cwd=ws.root, env={**env, **ws.emulator.env, **ws.env},
                       stdout=follower, stderr=subprocess.DEVNULL, timeout=60, check=True)  # fmt: skip
    finally:
        os.close(follower)
    return _drain(leader).decode()


def _drain(fd: int) -> bytes:
    """Everything buffered on a pseudo-terminal's leader side (the output here is small)."""
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except OSError:  # Linux reports the closed follower side as EIO
        pass
    finally:
        os.close(fd)
    return b"".join(chunks)


def test_text_is_coloured_on_a_terminal_only_and_never_with_no_color(ws: Workspace) -> None:
    coloured = _plan(ws, terminal=True)
    assert ESCAPE in coloured
    assert "Persona/ann will be created" in coloured and "drift" in coloured
    assert ESCAPE not in _plan(ws, "--no-color", terminal=True)
    piped = _plan(ws, terminal=False)
    assert ESCAPE not in piped and "Persona/ann will be created" in piped


def test_markdown_has_the_summary_table_first_then_a_section_per_changed_persona(
    ws: Workspace,
) -> None:
    ws.sync("cid", spec("cid"))
    result = ws.plan("--format", "markdown")
    assert result.code == 0, result.output
    text = result.stdout
    table = text.index("| persona | file | action |")
    assert table < text.index("<details")
    assert "| `bob` Bob | `manifests/bob.yaml` | update |" in text and "1 drift" in text
    sections = [line for line in text.splitlines() if line.startswith("<details")]
    assert [s.split("<code>")[1].split("</code>")[0] for s in sections] == ["ann", "bob"]
    assert "`cid`" not in text  # in sync: neither a row nor a section


def test_plan_with_vv_logs_each_request_on_stderr_without_bodies_or_key(ws: Workspace) -> None:
    result = ws.plan(options=("-vv",))
    lines = [line for line in result.stderr.splitlines() if " -> HTTP " in line]
    assert lines, result.stderr
    assert any(
        line.startswith("GET /v2/personas?page=1&limit=100&persona_type=user -> HTTP 200")
        for line in lines
    )
    assert ws.emulator.api_key not in result.output
    quiet = ws.plan()
    assert " -> HTTP " not in quiet.stderr


def test_markdown_shows_what_a_delete_deletes_with_names_files_and_plurals(
    tmp_path: Path, emulator: Emulator
) -> None:
    ws = Workspace(tmp_path, emulator)
    ws.sync("keep", spec("keep"))
    ws.sync("gone", secret_spec("gone"))
    ws.forget_manifest("gone")
    ws.write("new", spec("new"))
    result = ws.plan("--format", "markdown", "--prune")
    assert result.code == 0, result.output
    text = result.stdout
    head = text.split("\n\n")[1]
    assert "API request" not in head  # the request count is a footnote, not the headline
    assert "<sub>Read the account in 1 API request.</sub>" in text
    assert "| `gone` Gone | — | delete |" in text
    assert "| `new` New | `manifests/new.yaml` | create | — | 2 fields |" in text
    section = text.split("<code>gone</code>")[1].split("</details>")[0]
    assert '-   /persona_name: "Gone"' in section
    assert "-   /layers/llm/api_key: (sensitive value)" in section
    assert SECRETS["LLM_API_KEY"] not in text and "hmac" not in section
    assert text.count("<details open>") == 2  # two changes: small plans are expanded


def test_markdown_collapses_the_sections_of_a_plan_of_more_than_three_changes(
    tmp_path: Path, emulator: Emulator
) -> None:
    ws = Workspace(tmp_path, emulator)
    for name in ("a", "b", "c", "d"):
        ws.write(name, spec(name))
    text = ws.plan("--format", "markdown").stdout
    assert text.count("<details>") == 4 and "<details open>" not in text
