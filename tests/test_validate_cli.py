"""`tavusctl validate`, run as a real subprocess: output formats, exit codes, summary."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tests.support.cli import Run

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "manifests"

VALID = """\
apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: {name}
spec:
  system_prompt: Hello.
"""

# One error (unknown key) and one warning (legacy field) in the same file.
MIXED = """\
apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: coach
spec:
  system_prompt: Hi.
  persona_nme: Coach, 100% "real"
  layers:
    stt:
      smart_turn_detection: true
"""


def test_examples_are_valid(tavusctl: Run) -> None:
    env = {"LLM_API_KEY": "demo", "BOOKING_TOKEN": "demo"}
    result = tavusctl("validate", str(EXAMPLES), env=env)
    assert (result.code, result.stdout, result.stderr) == (0, "", "14 manifests valid\n")


def test_examples_validate_offline_without_their_secret_variable(tavusctl: Run) -> None:
    result = tavusctl("validate", str(EXAMPLES))
    assert result.code == 0, result.output
    assert "secrets were not resolved: BOOKING_TOKEN, LLM_API_KEY are not set" in result.stderr


def test_default_path_is_the_current_folder(tavusctl: Run, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID.format(name="a"))
    (tmp_path / "b.yml").write_text(VALID.format(name="b"))
    result = tavusctl("validate")
    assert (result.code, result.stdout, result.stderr) == (0, "", "2 manifests valid\n")


def test_text_format_lists_errors_and_warnings_sorted(tavusctl: Run, tmp_path: Path) -> None:
    (tmp_path / "coach.yaml").write_text(MIXED)
    result = tavusctl("validate", "coach.yaml")
    assert result.code == 1
    assert result.stdout.splitlines() == [
        "coach.yaml:7:3: Unknown field 'persona_nme' in spec. Did you mean 'persona_name'?",
        "coach.yaml:10:7: warning: Legacy field: smart_turn_detection is legacy; use "
        "layers.conversational_flow.turn_detection_model (sparrow-1) instead.",
    ]
    assert result.stderr == "1 error, 1 warning\n"


def test_github_format_is_workflow_annotations_with_escaping(tavusctl: Run, tmp_path: Path) -> None:
    folder = tmp_path / "a,b:c"
    folder.mkdir()
    (folder / "coach.yaml").write_text(MIXED)
    result = tavusctl("validate", "--format", "github", "a,b:c")
    assert result.stdout == (
        "::error file=a%2Cb%3Ac/coach.yaml,line=7,col=3::Unknown field 'persona_nme' in spec. "
        "Did you mean 'persona_name'?\n"
        "::warning file=a%2Cb%3Ac/coach.yaml,line=10,col=7::Legacy field: smart_turn_detection "
        "is legacy; use layers.conversational_flow.turn_detection_model (sparrow-1) instead.\n"
    )
    assert result.code == 1


def test_github_format_escapes_percent_and_newlines_in_messages(
    tavusctl: Run, tmp_path: Path
) -> None:
    (tmp_path / "a.yaml").write_text(VALID.format(name="a") + '  "persona_name%\\r\\n": x\n')
    result = tavusctl("validate", "--format", "github")
    assert result.stdout == (
        "::error file=a.yaml,line=7,col=3::Unknown field 'persona_name%25%0D%0A' in spec. "
        "Did you mean 'persona_name'?\n"
    )


def test_json_format_is_a_list_of_objects(tavusctl: Run, tmp_path: Path) -> None:
    (tmp_path / "coach.yaml").write_text(MIXED)
    result = tavusctl("validate", "--format", "json")
    assert json.loads(result.stdout) == [
        {
            "file": "coach.yaml",
            "line": 7,
            "column": 3,
            "severity": "error",
            "message": "Unknown field 'persona_nme' in spec. Did you mean 'persona_name'?",
        },
        {
            "file": "coach.yaml",
            "line": 10,
            "column": 7,
            "severity": "warning",
            "message": "Legacy field: smart_turn_detection is legacy; use "
            "layers.conversational_flow.turn_detection_model (sparrow-1) instead.",
        },
    ]


def test_json_format_of_valid_manifests_is_an_empty_list(tavusctl: Run, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID.format(name="a"))
    result = tavusctl("validate", "--format", "json")
    assert (result.code, json.loads(result.stdout)) == (0, [])


@pytest.mark.parametrize(
    ("args", "code", "summary"),
    [
        ((), 0, "1 manifest valid, 1 warning\n"),
        (("--strict",), 1, "0 errors, 1 warning (--strict: warnings fail)\n"),
    ],
)
def test_warnings_fail_only_with_strict(
    tavusctl: Run, tmp_path: Path, args: tuple[str, ...], code: int, summary: str
) -> None:
    (tmp_path / "a.yaml").write_text(MIXED.replace('  persona_nme: Coach, 100% "real"\n', ""))
    result = tavusctl("validate", *args)
    assert (result.code, result.stderr) == (code, summary)
    assert result.stdout.startswith("a.yaml:9:7: warning: Legacy field: smart_turn_detection")


@pytest.mark.parametrize(
    ("flag", "extra"),
    [
        ("--allow-unknown-fields", "  brand_new_field: 1\n"),
        ("--allow-plaintext-secrets", "  layers:\n    llm:\n      api_key: sk-1\n"),
    ],
)
def test_opt_out_flags_turn_an_error_into_a_pass(
    tavusctl: Run, tmp_path: Path, flag: str, extra: str
) -> None:
    (tmp_path / "a.yaml").write_text(VALID.format(name="a") + extra)
    assert tavusctl("validate").code == 1
    result = tavusctl("validate", flag)
    assert (result.code, result.stdout) == (0, "")


def test_alias_bomb_fails_fast(tavusctl: Run, tmp_path: Path) -> None:
    lines = ["a: &a [" + ", ".join(["lol"] * 10) + "]"]
    lines += [
        f"{x}: &{x} [" + ", ".join([f"*{y}"] * 10) + "]"
        for x, y in zip("bcdefghij", "abcdefghi", strict=True)
    ]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")  # 10**10 values expanded
    result = tavusctl("validate", timeout=20)
    assert result.code == 1
    assert result.stdout == (
        "bomb.yaml:5:4: The document expands to more than 100000 values (through YAML "
        "aliases); tavusctl refuses to read it. Remove the aliases that repeat large parts.\n"
    )


@pytest.mark.parametrize(
    ("files", "stdout"),
    [
        (
            {"a.yaml": "apiVersion: tavusctl/v1\nkind: Persona # é ".encode() + b"\xff\n"},
            "a.yaml:2:19: The file is not UTF-8 text: byte 0xff cannot be decoded. "
            "Save the file as UTF-8.\n",
        ),
        (
            {"a.yaml": b""},
            "a.yaml:1:1: The file is empty: it holds no YAML document. Add a manifest or "
            "remove the file.\n",
        ),
        (
            {"a.yaml": b"kind: Pod\n"},
            "a.yaml:1:1: This document is not a tavusctl manifest: apiVersion is missing. A "
            "manifest starts with apiVersion: tavusctl/v1 and kind: Persona.\n",
        ),
    ],
)
def test_unreadable_files_are_reported_without_a_traceback(
    tavusctl: Run, tmp_path: Path, files: dict[str, bytes], stdout: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    result = tavusctl("validate")
    assert (result.code, result.stdout, result.stderr) == (1, stdout, "1 error, 0 warnings\n")


def test_missing_path_is_one_clean_error(tavusctl: Run) -> None:
    result = tavusctl("validate", "nope")
    assert (result.code, result.stdout) == (1, "")
    assert (
        result.stderr == "Error: nope does not exist. Name a manifest file or a folder of them.\n"
    )


def test_nothing_below_cli_imports_click() -> None:
    offenders = []
    for path in sorted((ROOT / "tavusctl").rglob("*.py")):
        if path.parent.name == "cli" and path.parent.parent.name == "tavusctl":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(name.split(".")[0] == "click" for name in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
