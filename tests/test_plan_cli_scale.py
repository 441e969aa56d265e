"""`tavusctl plan` at scale, end to end: the Markdown budget for a pull-request comment, and
how many requests reading the account costs (counted by the emulator, never timed)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from tests.support.emulator import Emulator
from tests.support.planning import Workspace, kinds, manifest_text, spec

BUDGET = 60_000


@pytest.fixture
def ws(tmp_path: Path, emulator: Emulator) -> Workspace:
    return Workspace(tmp_path, emulator)


def _names(count: int) -> list[str]:
    return [f"persona-{i:03d}" for i in range(count)]


def test_markdown_for_300_changed_personas_keeps_to_the_budget_and_says_what_was_left_out(
    ws: Workspace,
) -> None:
    names = _names(300)
    ws.sync_many({n: spec(n) for n in names})
    prompt = "\n".join(f"Rule {i}: be kind, brief and accurate." for i in range(12))
    changed = "---\n".join(manifest_text(n, spec(n, system_prompt=prompt)) for n in names)
    (ws.root / "manifests" / "many.yaml").write_text(changed)
    result = ws.plan("--format", "markdown", "--detailed-exitcode")
    assert result.code == 2, result.output
    assert len(result.stdout) <= BUDGET
    assert "300 to update" in result.stdout
    shown = set(re.findall(r"<summary><code>(persona-\d+)</code>", result.stdout))
    assert 0 < len(shown) < 300
    note = re.search(r"Details of (\d+) personas were left out[^\n]*", result.stdout)
    assert note is not None, result.stdout[-2000:]
    assert int(note.group(1)) == 300 - len(shown)
    first_left_out = min(set(names) - shown)
    assert f"`Persona/{first_left_out}`" in note.group(0)


@pytest.mark.parametrize("page_cap", [100, 50])
def test_plan_of_250_personas_in_sync_lists_in_ceil_n_over_page_size_requests_and_gets_none(
    ws: Workspace, page_cap: int
) -> None:
    ws.emulator.configure(max_page_size=page_cap)  # 50: the server cuts pages down silently
    ws.sync_many({n: spec(n) for n in _names(250)})
    ws.emulator.clear_requests()
    doc = ws.plan_json("--detailed-exitcode", code=0)
    assert set(kinds(doc).values()) == {"noop"} and len(doc["actions"]) == 250
    log = ws.emulator.requests()
    lists = [r for r in log if (r["method"], r["path"]) == ("GET", "/v2/personas")]
    assert len(lists) == math.ceil(250 / page_cap) == len(log)
    assert sorted(int(r["query"]["page"]) for r in lists) == list(range(1, len(lists) + 1))
    assert doc["requests"] == len(log)
