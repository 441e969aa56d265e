"""The manifest loader, on real files in a temporary folder: every problem, where, and in what words."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tavusctl.core.errors import ManifestError
from tavusctl.core.model import Location
from tavusctl.core.secrets import SENSITIVE, Scrubber
from tavusctl.manifest import load as manifest
from tavusctl.manifest.load import load


def persona(spec: str = "  system_prompt: Hello.\n", name: str = "interviewer") -> str:
    """A manifest whose spec lines start at line 6."""
    return f"apiVersion: tavusctl/v1\nkind: Persona\nmetadata:\n  name: {name}\nspec:\n{spec}"


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def lines(folder: Path, env: dict[str, str] | None = None, **options: Any) -> list[str]:
    """Every diagnostic of loading ``folder`` (as ``.``), rendered as the CLI prints it."""
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        result = load([Path(".")], environ=env or {}, **options)
    finally:
        os.chdir(cwd)
    return [str(d) for d in result.diagnostics]


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{x}: &{x} [*{y}, *{y}, *{y}, *{y}, *{y}, *{y}, *{y}, *{y}, *{y}]\n"
    for x, y in zip("bcdefghi", "abcdefgh", strict=True)
)

CASES = {
    "invalid YAML": (
        {"a.yaml": persona("  system_prompt: [unclosed\n")},
        [
            "a.yaml:7:1: Invalid YAML: expected ',' or ']', but got '<stream end>'. "
            "Fix the syntax at this position."
        ],
    ),
    "tab-indented file": (
        {"a.yaml": persona("\tsystem_prompt: Hello.\n")},
        [
            "a.yaml:6:1: A tab character is used for indentation; YAML allows only spaces there. "
            "Replace the tab with spaces."
        ],
    ),
    "wrong type": (
        {"a.yaml": persona("  system_prompt: Hello.\n  persona_name: 42\n")},
        ["a.yaml:7:17: spec.persona_name must be a string, not the number 42."],
    ),
    "a misspelt enum value names the intended one": (
        {
            "a.yaml": persona(
                "  system_prompt: Hi.\n  layers:\n    perception:\n"
                "      perception_model: ravne-1\n"
            )
        },
        [
            "a.yaml:9:25: spec.layers.perception.perception_model is 'ravne-1'. Did you mean 'raven-1'?"
        ],
    ),
    "a new enum value is a warning, sent as written": (
        {
            "a.yaml": persona(
                "  system_prompt: Hi.\n  layers:\n    perception:\n"
                "      perception_model: raven-2\n"
            )
        },
        [
            "a.yaml:9:25: warning: spec.layers.perception.perception_model is 'raven-2': not a "
            "value this tavusctl knows; sent as written (known: raven-1, raven-0, basic, off). "
            "Fine if Tavus added it since; check the spelling otherwise."
        ],
    ),
    "unknown key with a suggestion": (
        {"a.yaml": persona("  system_prompt: Hi.\n  layers:\n    llm:\n      modle: x\n")},
        ["a.yaml:9:7: Unknown field 'modle' in spec.layers.llm. Did you mean 'model'?"],
    ),
    "known key in the wrong place": (
        {"a.yaml": persona("  system_prompt: Hi.\n  layers:\n    llm:\n      tts_engine: x\n")},
        [
            "a.yaml:9:7: Unknown field 'tts_engine' in spec.layers.llm; it belongs in "
            "spec.layers.tts."
        ],
    ),
    "unknown key with no close match lists the valid keys and the opt-out": (
        {"a.yaml": persona("  system_prompt: Hi.\n  layers:\n    stt:\n      zzz: 1\n")},
        [
            "a.yaml:9:7: Unknown field 'zzz' in spec.layers.stt. Valid fields here: hotwords, "
            "participant_interrupt_sensitivity, participant_pause_sensitivity, "
            "smart_turn_detection, stt_engine. If Tavus added this field after this tavusctl was "
            'released, set the annotation tavusctl.io/allow-unknown-fields: "true" or pass '
            "--allow-unknown-fields."
        ],
    ),
    "missing system_prompt outside echo mode": (
        {"a.yaml": persona("  persona_name: Quiet\n")},
        [
            "a.yaml:5:1: spec has no system_prompt, which Tavus requires unless pipeline_mode is "
            "speech-to-speech or echo. Add system_prompt (for example "
            "${file:prompts/persona.md}) or set pipeline_mode: speech-to-speech or echo."
        ],
    ),
    "missing metadata.name": (
        {
            "a.yaml": "apiVersion: tavusctl/v1\nkind: Persona\nmetadata: {}\nspec:\n"
            "  pipeline_mode: echo\n"
        },
        ["a.yaml:3:1: metadata is missing the required field 'name'. Add it."],
    ),
    "duplicate names across two files": (
        {"a.yaml": persona(), "b.yaml": persona()},
        [
            "b.yaml:4:9: metadata.name 'interviewer' is already used by the Persona at a.yaml:4:9; "
            "names must be unique per kind. Rename one of them."
        ],
    ),
    "missing env var": (
        {
            "a.yaml": persona(
                "  system_prompt: Hi.\n  layers:\n    llm:\n      api_key: ${env:LLM_KEY}\n"
            )
        },
        [
            "a.yaml:9:16: spec.layers.llm.api_key reads '${env:LLM_KEY}', but the environment "
            "variable LLM_KEY is not set. Set it before running tavusctl."
        ],
    ),
    "forbidden env var in a non-secret field": (
        {"a.yaml": persona("  system_prompt: Hi ${env:AWS_SECRET_ACCESS_KEY}\n")},
        [
            "a.yaml:6:18: spec.system_prompt reads '${env:AWS_SECRET_ACCESS_KEY}', but outside "
            "secret fields (api_key and other credential-named keys, layers.llm.headers) only "
            "variables named TAVUSCTL_* may be read, so that a manifest cannot copy other "
            "environment values into plan output. If AWS_SECRET_ACCESS_KEY holds a credential, "
            "move it to a secret field (the LLM layer's api_key, a header, or a query parameter "
            "named api-key): this field is shown in plans and stored in the lockfile in clear. "
            "If it holds none, rename the variable to TAVUSCTL_AWS_SECRET_ACCESS_KEY."
        ],
    ),
    "file reference escaping with ..": (
        {"a.yaml": persona("  system_prompt: ${file:../outside.md}\n")},
        [
            "a.yaml:6:18: spec.system_prompt reads '${file:../outside.md}', which is outside the "
            "folder the manifests were loaded from (.). ${file:} may only read files inside that "
            "folder tree; move the file there."
        ],
    ),
    "absolute file reference": (
        {"a.yaml": persona("  system_prompt: ${file:/etc/passwd}\n")},
        [
            "a.yaml:6:18: spec.system_prompt reads '${file:/etc/passwd}': ${file:} takes a path "
            "relative to the manifest, such as ${file:prompts/persona.md}."
        ],
    ),
    "file reference to a hidden file": (
        {"a.yaml": persona("  system_prompt: ${file:.git/config}\n"), ".git/config": "token"},
        [
            "a.yaml:6:18: spec.system_prompt reads '${file:.git/config}', a hidden file or "
            "folder. ${file:} never reads hidden files (they often hold credentials, like "
            ".git/config or .env); rename it."
        ],
    ),
    "missing file reference": (
        {"a.yaml": persona("  system_prompt: ${file:prompts/nope.md}\n")},
        [
            "a.yaml:6:18: spec.system_prompt reads '${file:prompts/nope.md}', but prompts/nope.md "
            "does not exist or is not a file."
        ],
    ),
    "unknown reference kind": (
        {"a.yaml": persona("  system_prompt: Hi ${name}\n")},
        [
            "a.yaml:6:18: spec.system_prompt contains the unknown reference '${name}'. Use "
            "${env:NAME}, ${var:NAME} or ${file:relative/path}, or write $${ for a literal ${."
        ],
    ),
    "literal secret": (
        {"a.yaml": persona("  system_prompt: Hi.\n  layers:\n    tts:\n      api_key: sk-12345\n")},
        [
            "a.yaml:9:16: spec.layers.tts.api_key is a secret written in the manifest. Read it from "
            "the environment instead (api_key: ${env:NAME}), or pass --allow-plaintext-secrets."
        ],
    ),
    "literal secret in an LLM header": (
        {
            "a.yaml": persona(
                "  system_prompt: Hi.\n  layers:\n    llm:\n      headers:\n"
                "        Authorization: Bearer abc\n"
            )
        },
        [
            "a.yaml:10:24: spec.layers.llm.headers.Authorization is a secret written in the "
            "manifest. Read it from the environment instead (Authorization: ${env:NAME}), or pass "
            "--allow-plaintext-secrets."
        ],
    ),
    "alias bomb": (
        {"a.yaml": BOMB},
        [
            "a.yaml:6:4: The document expands to more than 100000 values (through YAML aliases); "
            "tavusctl refuses to read it. Remove the aliases that repeat large parts."
        ],
    ),
    "file of too many values": (
        {"a.yaml": "a: [" + "1, " * 100_000 + "1]\n"},
        [
            "a.yaml:1:299996: The file holds more than 100000 values; tavusctl refuses to read it. "
            "Split it into smaller files."
        ],
    ),
    "alias that contains itself": (
        {"a.yaml": "a: &x [*x]\n"},
        ["a.yaml:1:4: A YAML alias refers to itself; remove it."],
    ),
    "non-UTF-8 file": (
        {"a.yaml": persona("  system_prompt: Caf\xe9\n").encode("latin-1")},
        [
            "a.yaml:6:21: The file is not UTF-8 text: byte 0xe9 cannot be decoded. "
            "Save the file as UTF-8."
        ],
    ),
    "empty file": (
        {"a.yaml": ""},
        [
            "a.yaml:1:1: The file is empty: it holds no YAML document. Add a manifest or remove "
            "the file."
        ],
    ),
    "file with only comments": (
        {"a.yaml": "# nothing yet\n---\n"},
        [
            "a.yaml:1:1: The file is empty: it holds no YAML document. Add a manifest or remove "
            "the file."
        ],
    ),
    "document that is not a tavusctl manifest": (
        {"a.yaml": "apiVersion: apps/v1\nkind: Deployment\n"},
        [
            "a.yaml:1:1: This document is not a tavusctl manifest: apiVersion is 'apps/v1'. A "
            "manifest starts with apiVersion: tavusctl/v1 and kind: Persona."
        ],
    ),
    "document with no apiVersion": (
        {"a.yaml": "name: x\n"},
        [
            "a.yaml:1:1: This document is not a tavusctl manifest: apiVersion is missing. A "
            "manifest starts with apiVersion: tavusctl/v1 and kind: Persona."
        ],
    ),
    "document that is a list": (
        {"a.yaml": "- a\n"},
        [
            "a.yaml:1:1: This document is not a tavusctl manifest: it is not a mapping. A manifest "
            "starts with apiVersion: tavusctl/v1 and kind: Persona."
        ],
    ),
    "unknown kind": (
        {"a.yaml": "apiVersion: tavusctl/v1\nkind: Replica\n"},
        [
            "a.yaml:2:7: kind is 'Replica'; tavusctl manages kind: Persona, Pal, Guardrail, Objectives, Tool, PronunciationDictionary."
        ],
    ),
    "python tag": (
        {"a.yaml": persona("  system_prompt: !!python/object/apply:os.system [ls]\n")},
        [
            "a.yaml:6:18: The YAML tag !!python/object/apply:os.system is not allowed; tavusctl "
            "reads plain YAML values only (strings, numbers, booleans, lists, mappings). Remove it."
        ],
    ),
    "explicit tag with a value it cannot hold": (
        {"a.yaml": persona("  system_prompt: Hi.\n  persona_name: !!int abc\n")},
        ["a.yaml:7:17: 'abc' cannot be read as !!int. Fix the value or remove the tag."],
    ),
    "key written twice": (
        {"a.yaml": persona("  system_prompt: a\n  system_prompt: b\n")},
        [
            "a.yaml:7:3: The key 'system_prompt' appears twice in the same mapping (first at line "
            "6). Remove one of them."
        ],
    ),
    "field set by Tavus": (
        {"a.yaml": persona("  system_prompt: Hi.\n  persona_id: p123\n")},
        [
            "a.yaml:7:3: persona_id is set by Tavus and cannot be written in spec. Remove it; "
            "tavusctl keeps the persona id in tavus.lock (tavusctl import adopts an existing "
            "persona; tavusctl export writes manifests without the fields Tavus sets)."
        ],
    ),
    "a 2026 server-owned read field": (
        {"a.yaml": persona("  system_prompt: Hi.\n  pal_settings_id: 7\n")},
        [
            "a.yaml:7:3: pal_settings_id is set by Tavus and cannot be written in spec. Remove "
            "it; tavusctl keeps the persona id in tavus.lock (tavusctl import adopts an existing "
            "persona; tavusctl export writes manifests without the fields Tavus sets)."
        ],
    ),
    "system_prompt with speech-to-speech": (
        {"a.yaml": persona("  pipeline_mode: speech-to-speech\n  context: Hi.\n")},
        [
            "a.yaml:7:3: spec.context is not allowed with pipeline_mode speech-to-speech: Tavus "
            "refuses it, because no Tavus LLM reads it in that mode. Remove context, or set "
            "pipeline_mode: full."
        ],
    ),
    "more than 50 tool_ids": (
        {"a.yaml": persona("  system_prompt: Hi.\n  tool_ids: [" + ", ".join(["t1"] * 51) + "]\n")},
        ["a.yaml:7:13: spec.tool_ids has 51 items; at most 50 are allowed. Remove some."],
    ),
    "invalid metadata.name": (
        {"a.yaml": persona(name="Interviewer_1")},
        [
            "a.yaml:4:9: metadata.name 'Interviewer_1' is not a valid name: use lowercase "
            "letters, digits and '-', starting and ending with a letter or digit (for example "
            "interviewer)."
        ],
    ),
    "invalid replica id": (
        {"a.yaml": persona("  system_prompt: Hi.\n  default_replica_id: R90BB\n")},
        [
            "a.yaml:7:23: spec.default_replica_id 'R90BB' is not a valid Tavus replica id: it "
            "must match ^r[0-9a-z-]+$ (for example r90bbd427f71)."
        ],
    ),
    "too many guardrails": (
        {
            "a.yaml": persona(
                "  system_prompt: Hi.\n  guardrail_ids: [" + ", ".join(["g1"] * 51) + "]\n"
            )
        },
        ["a.yaml:7:18: spec.guardrail_ids has 51 items; at most 50 are allowed. Remove some."],
    ),
    "out of range number": (
        {
            "a.yaml": persona(
                "  system_prompt: Hi.\n  layers:\n    llm:\n      extra_body:\n"
                "        temperature: 3\n"
            )
        },
        ["a.yaml:10:22: spec.layers.llm.extra_body.temperature is 3; it must be at most 2."],
    ),
    "legacy fields warn naming the replacement": (
        {
            "a.yaml": persona(
                "  system_prompt: Hi.\n  layers:\n    stt:\n      smart_turn_detection: true\n"
            )
        },
        [
            "a.yaml:9:7: warning: Legacy field: smart_turn_detection is legacy; use "
            "layers.conversational_flow.turn_detection_model (sparrow-1) instead."
        ],
    ),
    "string booleans warn": (
        {
            "a.yaml": persona(
                '  system_prompt: Hi.\n  layers:\n    tts:\n      tts_emotion_control: "false"\n'
            )
        },
        [
            'a.yaml:9:28: warning: spec.layers.tts.tts_emotion_control is the string "false"; '
            "write false without quotes. Tavus accepts both, so tavusctl sends the value as "
            "written."
        ],
    ),
    "yes is a string, not a boolean": (
        {
            "a.yaml": persona(
                "  system_prompt: Hi.\n  layers:\n    llm:\n      speculative_inference: yes\n"
            )
        },
        [
            "a.yaml:9:30: spec.layers.llm.speculative_inference must be true or false, not the "
            "string 'yes'."
        ],
    ),
}


@pytest.mark.parametrize(("files", "expected"), CASES.values(), ids=CASES.keys())
def test_loader_reports_each_problem_with_its_location(
    tmp_path: Path, files: dict[str, str | bytes], expected: list[str]
) -> None:
    write(tmp_path, files)
    assert lines(tmp_path) == expected


def test_every_problem_in_every_file_is_reported_sorted(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "b.yaml": persona("  system_prompt: Hi.\n  persona_nme: x\n  context: 1\n"),
            "a.yaml": "a:\n\tb: 1\n",
        },
    )
    assert [line.split(": ")[0] for line in lines(tmp_path)] == [
        "a.yaml:2:1",
        "b.yaml:7:3",
        "b.yaml:8:12",
    ]


def test_file_reference_through_a_symlink_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("CI secret")
    write(tmp_path, {"m/a.yaml": persona("  system_prompt: ${file:link.txt}\n")})
    (tmp_path / "m" / "link.txt").symlink_to(tmp_path / "secret.txt")
    [line] = lines(tmp_path / "m")
    assert line.startswith("a.yaml:6:18: spec.system_prompt reads '${file:link.txt}', which is ")
    assert "outside the folder the manifests were loaded from (.)" in line


def test_a_broken_symlink_and_a_large_file_are_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "gone.yaml")
    (tmp_path / "b.yaml").write_text("# " + "x" * (5 * 1024 * 1024) + "\n")
    assert lines(tmp_path) == [
        "a.yaml:1:1: The file cannot be read: No such file or directory.",
        "b.yaml:1:1: The file is larger than 5 MiB, the most tavusctl reads in one manifest "
        "file. Split it into smaller files.",
    ]


def test_references_resolve_from_the_manifest_folder_inside_the_tree(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "team/a.yaml": persona(
                "  system_prompt: ${file:../prompts/a.md}\n"
                "  context: Cost $${env:X} in ${env:TAVUSCTL_REGION}\n"
                "  layers:\n    llm:\n      api_key: ${env:LLM_KEY}\n"
                "      headers:\n        Authorization: Bearer ${env:TOKEN}\n"
            ),
            "prompts/a.md": "# Prompt\nBe kind.\n",
        },
    )
    env = {"TAVUSCTL_REGION": "eu", "LLM_KEY": "sk-1", "TOKEN": "t-2"}
    result = load([tmp_path], environ=env)
    assert result.diagnostics == ()
    [resource] = result.resources
    assert resource.spec["system_prompt"] == "# Prompt\nBe kind.\n"
    assert resource.spec["context"] == "Cost ${env:X} in eu"
    assert resource.spec["layers"]["llm"] == {
        "api_key": "sk-1",
        "headers": {"Authorization": "Bearer t-2"},
    }
    assert resource.secrets == {
        "/layers/llm/api_key": "LLM_KEY",
        "/layers/llm/headers/Authorization": "TOKEN",
    }


def test_resource_remembers_where_every_spec_key_was_written(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.yaml": "---\n"
            + persona(
                "  system_prompt: Hi.\n  layers:\n    llm:\n"
                "      tools:\n        - type: function\n          function: {name: f}\n"
            )
        },
    )
    [resource] = load([tmp_path / "a.yaml"], environ={}).resources
    file = str(tmp_path / "a.yaml")
    assert resource.key == "Persona/interviewer"
    assert resource.location == Location(file, 2, 1)
    assert resource.locations == {
        "": Location(file, 6, 1),
        "/system_prompt": Location(file, 7, 3),
        "/layers": Location(file, 8, 3),
        "/layers/llm": Location(file, 9, 5),
        "/layers/llm/tools": Location(file, 10, 7),
        "/layers/llm/tools/0": Location(file, 11, 11),
        "/layers/llm/tools/0/type": Location(file, 11, 11),
        "/layers/llm/tools/0/function": Location(file, 12, 11),
        "/layers/llm/tools/0/function/name": Location(file, 12, 22),
    }


def test_multi_document_files_and_folders_skip_hidden_and_other_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "all.yml": persona(name="one") + "---\n" + persona(name="two") + "---\n",
            "sub/three.yaml": persona(name="three"),
            ".git/x.yaml": "not: a manifest",
            "sub/.hidden.yaml": "not: a manifest",
            "notes.txt": "not yaml",
        },
    )
    result = load([tmp_path], environ={})
    assert result.diagnostics == ()
    assert [r.name for r in result.resources] == ["one", "two", "three"]


def test_a_file_named_twice_is_loaded_once(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": persona()})
    result = load([tmp_path, tmp_path / "a.yaml"], environ={})
    assert (len(result.resources), result.diagnostics) == (1, ())


def test_unknown_fields_are_allowed_by_flag_or_annotation(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": persona("  system_prompt: Hi.\n  new_field: 1\n")})
    write(
        tmp_path,
        {
            "b.yaml": persona("  system_prompt: Hi.\n  new_field: 2\n", name="b").replace(
                "  name: b\n",
                '  name: b\n  annotations:\n    tavusctl.io/allow-unknown-fields: "true"\n',
            )
        },
    )
    assert [d.location.file for d in load([tmp_path], environ={}).errors] == [
        str(tmp_path / "a.yaml")
    ]
    result = load([tmp_path], environ={}, allow_unknown_fields=True)
    assert result.diagnostics == ()
    assert [(r.spec["new_field"], r.allow_unknown_fields) for r in result.resources] == [
        (1, True),
        (2, True),
    ]


def test_an_unquoted_annotation_value_is_explained(tmp_path: Path) -> None:
    annotated = persona().replace(
        "  name: interviewer\n",
        "  name: interviewer\n  annotations:\n    tavusctl.io/allow-unknown-fields: true\n",
    )
    write(tmp_path, {"a.yaml": annotated})
    assert lines(tmp_path) == [
        "a.yaml:6:39: metadata.annotations.tavusctl.io/allow-unknown-fields must be a string: "
        'write "true" in quotes.'
    ]


def test_fields_set_by_tavus_stay_errors_with_allow_unknown_fields(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": persona("  system_prompt: Hi.\n  created_at: x\n  other: 1\n")})
    assert [line[:50] for line in lines(tmp_path, allow_unknown_fields=True)] == [
        "a.yaml:7:3: created_at is set by Tavus and cannot "
    ]


def test_a_string_that_is_not_a_boolean_field_gets_no_boolean_warning(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": persona('  system_prompt: Hi.\n  layers: "true"\n')})
    assert lines(tmp_path) == ["a.yaml:7:11: spec.layers must be a mapping, not the string 'true'."]


def test_unknown_envelope_fields_stay_errors_with_allow_unknown_fields(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": persona() + "status: {}\n"})
    assert lines(tmp_path, allow_unknown_fields=True) == [
        "a.yaml:7:1: Unknown field 'status' in the manifest. Valid fields here: apiVersion, "
        "kind, metadata, spec."
    ]


@pytest.mark.parametrize("number", [".nan", ".inf", "-.Inf"])
def test_numbers_json_cannot_carry_are_errors_at_their_line(tmp_path: Path, number: str) -> None:
    spec = f"  system_prompt: Hi.\n  layers:\n    llm:\n      extra_body:\n        t: {number}\n"
    write(tmp_path, {"a.yaml": persona(spec)})
    assert lines(tmp_path) == [
        "a.yaml:10:12: spec.layers.llm.extra_body.t is not a finite number (.nan or .inf), which "
        "the Tavus API cannot receive. Write a number, or quote it to send a string."
    ]


def test_plaintext_secrets_are_allowed_by_flag_and_recorded(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"a.yaml": persona("  system_prompt: Hi.\n  layers:\n    tts:\n      api_key: sk-12345\n")},
    )
    result = load([tmp_path], environ={}, allow_plaintext_secrets=True)
    assert result.diagnostics == ()
    assert result.resources[0].secrets == {"/layers/tts/api_key": None}


def test_plaintext_secrets_are_scrubbed_from_any_output_like_env_secrets(tmp_path: Path) -> None:
    secret = "sk-plain-only-in-this-test"
    write(
        tmp_path,
        {
            "a.yaml": persona(
                f"  system_prompt: Hi.\n  layers:\n    tts:\n      api_key: {secret}\n"
            )
        },
    )
    read = Scrubber()
    load([tmp_path], environ={}, allow_plaintext_secrets=True, scrubber=read)
    assert read.scrub(f"HTTP 400: bad key {secret}") == f"HTTP 400: bad key {SENSITIVE}"


def test_secret_values_never_appear_in_messages(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.yaml": persona(
                "  system_prompt: Hi.\n  layers:\n    llm:\n"
                "      api_key: sk-live-abcdef\n      tools: 3\n"
            )
        },
    )
    text = "\n".join(lines(tmp_path))
    assert "spec.layers.llm.api_key is a secret" in text
    assert "sk-live-abcdef" not in text


def test_a_failed_reference_hides_only_the_checks_below_it(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"a.yaml": persona("  system_prompt: ${env:TAVUSCTL_NOPE}\n  system_prompts: x\n")},
    )
    assert [line.split(": ")[0] for line in lines(tmp_path)] == ["a.yaml:6:18", "a.yaml:7:3"]


def test_echo_mode_needs_no_system_prompt(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": persona("  pipeline_mode: echo\n")})
    assert lines(tmp_path) == []


def test_documents_with_errors_give_no_resource(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": persona("  persona_name: x\n"), "b.yaml": persona(name="b")})
    result = load([tmp_path], environ={})
    assert [r.name for r in result.resources] == ["b"]


def test_load_or_raise_lists_every_error_one_per_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"a.yaml": persona("  persona_name: 1\n")})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ManifestError) as err:
        manifest.load_or_raise([Path("a.yaml")], environ={})
    assert err.value.message.splitlines() == [
        "a.yaml:5:1: spec has no system_prompt, which Tavus requires unless pipeline_mode is "
        "speech-to-speech or echo. Add system_prompt (for example "
        "${file:prompts/persona.md}) or set pipeline_mode: speech-to-speech or echo.",
        "a.yaml:6:17: spec.persona_name must be a string, not the number 1.",
    ]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("missing", "missing does not exist. Name a manifest file or a folder of them."),
        ("empty", "No *.yaml or *.yml files found in empty. Name a folder that holds manifests."),
    ],
)
def test_bad_paths_raise_a_manifest_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str, message: str
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ManifestError) as err:
        load([Path(path)])
    assert err.value.message == message


def test_plan_and_apply_load_without_the_map_of_spec_key_locations(tmp_path: Path) -> None:
    """Issue 17: a Location per spec key was most of a loaded persona's memory, and nothing
    after loading reads it; problems are still located (they are found while loading)."""
    write(tmp_path, {"a.yaml": persona("  system_prompt: Hi.\n  bogus: 1\n")})
    result = load([tmp_path], environ={}, locations=False)
    assert [str(d.location) for d in result.errors] == [f"{tmp_path / 'a.yaml'}:7:3"]
    write(tmp_path, {"a.yaml": persona("  system_prompt: Hi.\n")})
    [resource] = load([tmp_path], environ={}, locations=False).resources
    assert resource.locations == {}
