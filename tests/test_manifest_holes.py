"""Loader holes a hostile review found: unbounded ``${file:}`` expansion, reference typos sent
literally, references in keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from tavusctl.manifest import diagnostics, references
from tavusctl.manifest.load import load
from tests.test_manifest import lines, persona, write


def test_file_references_are_bounded_in_total_not_only_per_file(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(references, "MAX_EXPANDED_BYTES", 1000)
    refs = "${file:big.md}" * 4
    write(tmp_path, {"big.md": "x" * 300, "a.yaml": persona(f"  system_prompt: {refs}\n")})
    assert lines(tmp_path) == [
        "a.yaml:6:18: spec.system_prompt reads '${file:big.md}', which brings what the ${file:} "
        "references of these manifests expand to above 1,000 bytes in all. Reference fewer or "
        "smaller files, or load fewer manifests at once."
    ]


def test_a_reference_with_no_closing_brace_is_an_error_not_sent_as_written(tmp_path: Path):
    write(tmp_path, {"a.yaml": persona("  system_prompt: Hi ${env:TAVUSCTL_X\n")})
    found = lines(tmp_path, {"TAVUSCTL_X": "there"})
    assert found == [
        "a.yaml:6:18: spec.system_prompt has '${' with no closing '}' ('${env:TAVUSCTL_X'). "
        "Close the reference, or write $${ for a literal ${."
    ]


def test_an_escaped_dollar_brace_without_closing_brace_is_still_fine(tmp_path: Path):
    write(tmp_path, {"a.yaml": persona("  system_prompt: costs $${x\n")})
    assert lines(tmp_path) == []


def test_a_reference_in_a_mapping_key_is_an_error_at_the_key(tmp_path: Path):
    spec = (
        "  system_prompt: Hi.\n  layers:\n    llm:\n      headers:\n        ${env:TAVUSCTL_H}: v\n"
    )
    write(tmp_path, {"a.yaml": persona(spec)})
    found = lines(tmp_path, {"TAVUSCTL_H": "X-Key"})
    assert len(found) == 1 and found[0].startswith("a.yaml:10:9: The key of"), found
    assert "resolved in values only" in found[0]


def test_no_text_diagnostic_line_can_start_a_github_workflow_command(tmp_path: Path):
    write(tmp_path, {"a.yaml": persona('  system_prompt: Hi.\n  "x\\n::error file=a::pwned": 1\n')})
    found = lines(tmp_path)
    rendered = diagnostics.render(load([tmp_path]).diagnostics, "text")
    assert found and not any(line.startswith("::") for line in rendered.splitlines()), rendered
    assert "\\x0a::error file=a::pwned" in rendered


def test_a_file_named_like_a_workflow_command_does_not_start_a_line(tmp_path: Path):
    write(tmp_path, {"::error file=a::pwned.yaml": persona("  persona_nme: Hi.\n")})
    found = lines(tmp_path)
    assert found and all(line.startswith("./::error") for line in found), found


TRACEBACK_CAUSES = {
    "hex integer of 4,400 digits": (
        "  system_prompt: 0x" + "f" * 4400 + "\n",
        {},
        "more than 1,000 digits",
    ),
    "lone surrogate": ('  system_prompt: "\\ud800"\n', {}, "lone surrogate"),
    "lone surrogate in a key": ('  system_prompt: Hi\n  "\\udc00": 1\n', {}, "lone surrogate"),
    "NUL in a file path": ('  system_prompt: "${file:a\\0b}"\n', {}, "NUL character"),
    "secret variable that is not UTF-8": (
        "  system_prompt: Hi\n  layers: {llm: {model: m, api_key: '${env:K}'}}\n",
        {"K": "ab\udcff\udcfecd"},  # how os.environ holds the bytes ab\xff\xfecd
        "not UTF-8 text",
    ),
}


@pytest.mark.parametrize(("spec", "env", "says"), TRACEBACK_CAUSES.values(), ids=list(TRACEBACK_CAUSES))  # fmt: skip
def test_what_plan_would_die_on_is_one_located_validate_error(
    tmp_path: Path, spec: str, env: dict[str, str], says: str
) -> None:
    write(tmp_path, {"a.yaml": persona(spec)})
    found = lines(tmp_path, env)
    assert len(found) == 1 and found[0].startswith("a.yaml:") and says in found[0], found
