"""Fuzzing what a user or an attacker hands tavusctl: manifests, lockfiles and saved plans.

Whatever the input, a run ends with exit 0 or 1, never an exception (a traceback), and a run
stopped by an error ("Error: ...") has written nothing. The CLI runs in this process (a
subprocess per example would be too slow) against the session's emulator; example counts are
kept modest so the suite stays fast.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tavusctl.plan.saved import PlanKey
from tests.support.emulator import Emulator
from tests.support.inproc_cli import run_in_process, snapshot

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ENV = {"TAVUSCTL_X": "x", "LLM_KEY": "sk-fuzz-secret-value-0001", "BAD": "ab\udcffcd"}

MANIFEST = """apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: ann
spec:
  persona_name: Ann
  system_prompt: You are Ann.
  layers:
    llm:
      model: m
      api_key: ${env:LLM_KEY}
      extra_body:
        fallbacks: [{model: b, api_key: "${env:LLM_KEY}"}]
"""

# Text that has broken tavusctl before, or is close to what did.
SNIPPETS = [
    "${env:TAVUSCTL_X",
    "${env:TAVUSCTL_X}",
    "${env:BAD}",
    "${env:LLM_KEY}",
    '"${file:a\\0b}"',
    "${file:../x}",
    "${ref:Persona/x}",
    "$${",
    '"\\ud800"',
    "0x" + "f" * 4400,
    "9" * 5000,
    ".nan",
    "1e999",
    "!!python/object:os.system",
    "&a [*a, *a]",
    "*a",
    "<<: 1",
    "\t",
    "\n---\n",
    "{",
    "[" * 200,
    ": :",
    "\x1b[2J",
    "\x00",
]

_json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)
)
JSON = st.recursive(
    _json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _insert(text: str, data: st.DataObject) -> str:
    at = data.draw(st.integers(0, len(text)), label="at")
    piece = data.draw(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=12)), label="piece")
    return text[:at] + piece + text[at:]


def _replace_somewhere(doc: Any, data: st.DataObject) -> Any:
    """``doc`` with one node (chosen by ``data``) replaced by random JSON."""
    if isinstance(doc, (dict, list)) and doc and data.draw(st.booleans(), label="deeper"):
        keys = list(doc) if isinstance(doc, dict) else list(range(len(doc)))
        key = data.draw(st.sampled_from(keys), label="key")
        copy: Any = dict(doc) if isinstance(doc, dict) else list(doc)
        copy[key] = _replace_somewhere(doc[key], data)
        return copy
    return data.draw(JSON, label="value")


def _check(result_code: int, escaped: BaseException | None, output: str, before: dict[str, bytes], after: dict[str, bytes]) -> None:  # fmt: skip
    assert escaped is None, f"{type(escaped).__name__}: {escaped}\n{output}"
    assert result_code in (0, 1), output
    if result_code == 1 and "Error: " in output:
        assert after == before, f"written on error: {sorted(set(after) ^ set(before))}\n{output}"


def _run(root: Path, emulator: Emulator, *args: str) -> None:
    before = snapshot(root)
    result = run_in_process(*args, cwd=root, env={**emulator.env, **ENV, "TAVUSCTL_TIMEOUT": "2"})
    _check(result.code, result.escaped, result.output, before, snapshot(root))


def _workspace() -> Path:
    root = Path(tempfile.mkdtemp(prefix="tavusctl-fuzz-"))
    (root / "m").mkdir()
    (root / "m" / "ann.yaml").write_text(MANIFEST)
    return root


@FUZZ
@given(data=st.data())
def test_any_manifest_text_ends_in_exit_0_or_1_and_writes_nothing_on_error(
    emulator: Emulator, data: st.DataObject
) -> None:
    root = _workspace()
    text = _insert(MANIFEST, data)
    (root / "m" / "ann.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
    _run(root, emulator, "validate", "m")
    _run(root, emulator, "plan", "m", "-o", "out.plan")


@FUZZ
@given(spec=st.dictionaries(st.sampled_from(["persona_name", "system_prompt", "context", "layers", "x"]), JSON, max_size=4))  # fmt: skip
def test_any_spec_structure_ends_in_exit_0_or_1(emulator: Emulator, spec: dict[str, Any]) -> None:
    root = _workspace()
    doc = {
        "apiVersion": "tavusctl/v1",
        "kind": "Persona",
        "metadata": {"name": "ann"},
        "spec": spec,
    }
    (root / "m" / "ann.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True))
    _run(root, emulator, "validate", "m")
    _run(root, emulator, "plan", "m", "-o", "out.plan")


LOCKFILE: dict[str, Any] = {
    "version": 1,
    "salt": "ab" * 16,
    "resources": {
        "Persona/ann": {"id": "p1", "applied": {"persona_name": "Ann", "system_prompt": "Hi"}},
        "Persona/bob": {
            "id": None,
            "applied": {},
            "intent_at": "2026-01-01T00:00:00Z",
            "exclude": [],
        },
    },
}


@FUZZ
@given(data=st.data())
def test_any_lockfile_ends_in_exit_0_or_1_and_is_never_overwritten_on_error(
    emulator: Emulator, data: st.DataObject
) -> None:
    root = _workspace()
    if data.draw(st.booleans(), label="raw"):
        text = _insert(json.dumps(LOCKFILE, indent=2), data)
    else:
        text = json.dumps(_replace_somewhere(LOCKFILE, data))
    (root / "tavus.lock").write_bytes(text.encode("utf-8", "surrogatepass"))
    for args in (("state", "list"), ("state", "show", "ann"), ("plan", "m"), ("apply", "m", "--auto-approve")):  # fmt: skip
        _run(root, emulator, *args)


@pytest.fixture
def saved_plan(emulator: Emulator) -> str:
    """The text of a plan saved for MANIFEST with one persona to update and one to create."""
    root = _workspace()
    env = {**emulator.env, **ENV}
    assert run_in_process("apply", "m", "--auto-approve", cwd=root, env=env).code == 0
    (root / "m" / "ann.yaml").write_text(MANIFEST.replace("You are Ann.", "You are Ann!"))
    (root / "m" / "bob.yaml").write_text(MANIFEST.replace("ann", "bob").replace("Ann", "Bob"))
    assert run_in_process("plan", "m", "-o", "saved.plan", cwd=root, env=env).code == 0
    return (root / "saved.plan").read_text() + "\0" + (root / "tavus.lock").read_text()


@FUZZ
@given(data=st.data())
def test_any_plan_file_ends_in_exit_0_or_1_and_writes_nothing_on_error(
    emulator: Emulator, saved_plan: str, data: st.DataObject
) -> None:
    plan_text, lock_text = saved_plan.split("\0")
    root = _workspace()
    (root / "m" / "ann.yaml").write_text(MANIFEST.replace("You are Ann.", "You are Ann!"))
    (root / "m" / "bob.yaml").write_text(MANIFEST.replace("ann", "bob").replace("Ann", "Bob"))
    (root / "tavus.lock").write_text(lock_text)
    doc = json.loads(plan_text)
    if data.draw(st.booleans(), label="raw"):
        text = _insert(plan_text, data)
    else:
        changed = _replace_somewhere({k: v for k, v in doc.items() if k != "mac"}, data)
        if isinstance(changed, dict) and data.draw(st.booleans(), label="re-signed"):
            salt = changed.get("salt")
            salt = salt if isinstance(salt, str) else ""
            changed["mac"] = PlanKey.derive(emulator.api_key, salt).mac(changed)
        text = json.dumps(changed)
    (root / "edited.plan").write_bytes(text.encode("utf-8", "surrogatepass"))
    _run(root, emulator, "apply", "edited.plan")
