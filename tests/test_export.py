from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tavusctl.commands.export import ExportResult
from tavusctl.core.secrets import hash_secret
from tavusctl.core.timestamps import parse_time
from tavusctl.kinds import PERSONA
from tavusctl.manifest import from_live as export
from tavusctl.manifest import load as manifest

SALT = "1" * 32
PROMPT = "You are a patient interviewer.\n\nAsk one question at a time.\n"

LIVE: dict[str, Any] = {
    "updated_at": "2026-01-02T00:00:00.000Z",
    "layers": {
        "perception": {"perception_model": "raven-1"},
        "llm": {
            "headers": {"Authorization": "Bearer hdr-secret"},
            "api_key": "sk-llm-secret",
            "base_url": "https://llm.example.com/v1",
            "model": "my-model",
        },
        "tts": {"api_key": "****9f3a", "tts_engine": "cartesia"},
    },
    "persona_type": "user",
    "system_prompt": PROMPT,
    "persona_id": "p0123456789a",
    "default_replica_id": "r90bbd427f71",
    "persona_name": "Interviewer",
    "created_at": "2026-01-01T00:00:00.000Z",
    "zz_custom": 1,
    "document_tags": ["hr"],
    "pipeline_mode": "full",
}


def load(text: str) -> dict[str, Any]:
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict)
    return doc


def resolve_env(doc: Any, env: dict[str, str]) -> Any:
    """Stand-in for the loader's ``${env:…}`` resolution (whole-string references only)."""
    if isinstance(doc, dict):
        return {k: resolve_env(v, env) for k, v in doc.items()}
    if isinstance(doc, str) and (m := re.fullmatch(r"\$\{env:(\w+)\}", doc)):
        return env[m.group(1)]
    return doc


def test_manifest_has_the_envelope_and_a_schema_comment() -> None:
    known = {k: v for k, v in LIVE.items() if k != "zz_custom"}
    text, _ = export.to_manifest("interviewer", known, schema="../schemas/m.json")
    assert text.startswith("# yaml-language-server: $schema=../schemas/m.json\n")
    doc = load(text)
    assert doc["apiVersion"] == "tavusctl/v1"
    assert doc["kind"] == "Persona"
    assert doc["metadata"] == {"name": "interviewer"}


def test_manifest_drops_server_owned_fields_and_keeps_the_rest() -> None:
    spec = load(export.to_manifest("interviewer", LIVE)[0])["spec"]
    for field in ("persona_id", "created_at", "updated_at", "persona_type"):
        assert field not in spec
    assert spec["zz_custom"] == 1
    assert spec["default_replica_id"] == "r90bbd427f71"


def test_manifest_orders_keys_as_the_tavus_docs_do() -> None:
    spec = load(export.to_manifest("interviewer", LIVE)[0])["spec"]
    assert list(spec) == [
        "persona_name",
        "pipeline_mode",
        "system_prompt",
        "default_replica_id",
        "document_tags",
        "layers",
        "zz_custom",
    ]
    assert list(spec["layers"]) == ["llm", "tts", "perception"]
    assert list(spec["layers"]["llm"]) == ["model", "base_url", "api_key", "headers"]


def test_secrets_become_env_references_named_after_the_persona_and_field() -> None:
    text, notes = export.to_manifest("sales-coach", LIVE)
    llm = load(text)["spec"]["layers"]["llm"]
    assert llm["api_key"] == "${env:SALES_COACH_LLM_API_KEY}"
    assert llm["headers"] == {"Authorization": "${env:SALES_COACH_LLM_HEADERS_AUTHORIZATION}"}
    assert load(text)["spec"]["layers"]["tts"]["api_key"] == "${env:SALES_COACH_TTS_API_KEY}"
    assert any("SALES_COACH_LLM_API_KEY" in n for n in notes)
    assert any("SALES_COACH_TTS_API_KEY" in n and "masked" in n for n in notes)
    assert len([n for n in notes if n.startswith("Set ")]) == 3


def test_no_secret_value_appears_in_the_manifest_or_notes() -> None:
    text, notes = export.to_manifest("interviewer", LIVE)
    for secret in ("sk-llm-secret", "hdr-secret", "9f3a"):
        assert secret not in text
        assert not any(secret in n for n in notes)


def test_a_persona_without_secrets_has_no_notes() -> None:
    _, notes = export.to_manifest("x", {"persona_id": "p1", "system_prompt": "hi"})
    assert notes == []


def test_multi_line_and_long_prompts_are_block_scalars() -> None:
    live = {"persona_id": "p1", "system_prompt": PROMPT, "context": "word " * 29 + "end"}
    text, _ = export.to_manifest("x", live)
    assert "system_prompt: |\n    You are a patient interviewer.\n\n    Ask one" in text
    assert "context: |-\n" in text
    assert load(text)["spec"]["context"] == "word " * 29 + "end"


@pytest.mark.parametrize(
    "value",
    ["line one\nline two", "trailing newlines\n\n\n", "  leading spaces\nx", "tab\tand: colon #"],
)
def test_any_string_loads_back_exactly(value: str) -> None:
    text, _ = export.to_manifest("x", {"persona_id": "p1", "system_prompt": value})
    assert load(text)["spec"]["system_prompt"] == value


def test_manifest_spec_with_secrets_resolved_equals_the_live_spec() -> None:
    text, _ = export.to_manifest("interviewer", LIVE)
    env = {
        "INTERVIEWER_LLM_API_KEY": "sk-llm-secret",
        "INTERVIEWER_LLM_HEADERS_AUTHORIZATION": "Bearer hdr-secret",
        "INTERVIEWER_TTS_API_KEY": "****9f3a",
    }
    spec = resolve_env(load(text)["spec"], env)
    assert spec == {k: v for k, v in LIVE.items() if k not in PERSONA.server_owned}


def test_applied_hashes_clear_secrets_and_leaves_out_masked_ones() -> None:
    applied, masked = export.applied_from_live(export.spec_of(LIVE), SALT)
    assert applied["layers"]["llm"]["api_key"] == hash_secret("sk-llm-secret", SALT)
    assert applied["layers"]["llm"]["headers"]["Authorization"] == hash_secret(
        "Bearer hdr-secret", SALT
    )
    assert applied["layers"]["tts"] == {"tts_engine": "cartesia"}
    assert masked == ["/layers/tts/api_key"]
    assert LIVE["layers"]["llm"]["api_key"] == "sk-llm-secret"  # input untouched


@pytest.mark.parametrize(
    ("display", "slug"),
    [
        ("Interviewer", "interviewer"),
        ("AI Interviewer (v2)", "ai-interviewer-v2"),
        ("  Café Crème!! ", "cafe-creme"),
        ("___", ""),
        ("x" * 80, "x" * 63),
    ],
)
def test_slugify_makes_valid_manifest_names(display: str, slug: str) -> None:
    assert export.slugify(display) == slug


def test_unique_names_number_duplicates_oldest_first_and_avoid_taken_names() -> None:
    personas = [
        {"persona_id": "pb", "persona_name": "Coach", "created_at": "2026-02"},
        {"persona_id": "pa", "persona_name": "Coach", "created_at": "2026-01"},
        {"persona_id": "pc", "persona_name": "Tutor", "created_at": "2026-03"},
        {"persona_id": "pd", "persona_name": "", "created_at": "2026-04"},
    ]
    names = export.unique_names(personas, taken={"tutor"})
    assert names == {"pa": "coach", "pb": "coach-2", "pc": "tutor-2", "pd": "pd"}


def test_unique_names_compare_creation_times_in_all_three_forms_the_api_writes() -> None:
    # As text, "...19.990Z" sorts after "...19.990123Z" although it is older.
    personas = [
        {"persona_id": "pb", "persona_name": "Coach", "created_at": "2026-01-01T10:00:19.990123Z"},
        {"persona_id": "pa", "persona_name": "Coach", "created_at": "2026-01-01T10:00:19.990Z"},
        {
            "persona_id": "pc",
            "persona_name": "Coach",
            "created_at": "2026-01-01T10:00:19.991+00:00",
        },
    ]
    names = export.unique_names(personas, taken=())
    assert names == {"pa": "coach", "pb": "coach-2", "pc": "coach-3"}


@pytest.mark.parametrize(
    ("form", "text"),
    [
        ("millis", "2026-01-01T10:00:19.990Z"),
        ("micros", "2026-01-01T10:00:56.504765Z"),
        ("offset", "2026-01-01T10:00:45.123456+00:00"),
    ],
)
def test_all_three_timestamp_forms_parse_to_aware_utc_times(form: str, text: str) -> None:
    parsed = parse_time(text)
    assert parsed is not None and parsed.utcoffset() == timedelta(0)
    assert parsed.isoformat().startswith(text[:19])


@pytest.mark.parametrize(
    ("path", "var"),
    [
        ("/layers/llm/api_key", "X_LLM_API_KEY"),
        ("/layers/llm/headers/X-Api-Token", "X_LLM_HEADERS_X_API_TOKEN"),
        ("/layers/perception/visual_tools/0/api_key", "X_PERCEPTION_VISUAL_TOOLS_0_API_KEY"),
    ],
)
def test_env_var_names_are_shell_safe(path: str, var: str) -> None:
    assert export.env_var("x", path) == var


def load_with_loader(tmp_path: Path, text: str, env: dict[str, str]) -> dict[str, Any]:
    """The spec the real manifest loader reads from ``text``."""
    path = tmp_path / "exported.yaml"
    path.write_text(text, encoding="utf-8")
    result = manifest.load([path], environ=env)
    assert result.errors == (), result.errors
    (resource,) = result.resources
    return dict(resource.spec)


def test_the_manifest_loader_reads_back_exactly_the_live_spec(tmp_path: Path) -> None:
    live = {**LIVE, "layers": {**LIVE["layers"], "tts": {"tts_engine": "cartesia"}}}
    del live["zz_custom"]
    text, _ = export.to_manifest("interviewer", live)
    env = {
        "INTERVIEWER_LLM_API_KEY": "sk-llm-secret",
        "INTERVIEWER_LLM_HEADERS_AUTHORIZATION": "Bearer hdr-secret",
    }
    assert load_with_loader(tmp_path, text, env) == export.spec_of(live)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="${}ab \n:#'\"", max_size=30))
def test_literal_dollar_braces_survive_the_loader(tmp_path_factory: Any, prompt: str) -> None:
    live = {"persona_id": "p1", "system_prompt": prompt + "x"}
    text, _ = export.to_manifest("x", live)
    spec = load_with_loader(tmp_path_factory.mktemp("rt"), text, {})
    assert spec["system_prompt"] == prompt + "x"


def test_unknown_fields_are_kept_and_allowed_by_annotation(tmp_path: Path) -> None:
    live = {"persona_id": "p1", "system_prompt": "s", "layers": {"llm": {"new_knob": 3}}}
    text, notes = export.to_manifest("x", live)
    assert load(text)["metadata"]["annotations"] == {"tavusctl.io/allow-unknown-fields": "true"}
    assert any("layers.llm.new_knob" in n for n in notes)
    assert load_with_loader(tmp_path, text, {}) == export.spec_of(live)


def test_a_manifest_with_only_known_fields_has_no_annotation() -> None:
    text, notes = export.to_manifest("x", {"persona_id": "p1", "system_prompt": "s"})
    assert load(text)["metadata"] == {"name": "x"}
    assert notes == []


def test_leaving_out_a_masked_secret_leaves_no_empty_parent_behind() -> None:
    spec = {"layers": {"tts": {"api_key": "****abcd"}, "llm": {"model": "m"}}, "context": {}}
    applied, masked = export.applied_from_live(spec, SALT)
    assert applied == {"layers": {"llm": {"model": "m"}}, "context": {}}
    assert masked == ["/layers/tts/api_key"]


def test_export_report_says_why_nothing_was_written() -> None:
    assert ExportResult(()).lines() == ["The account has no user personas; nothing was exported."]
    assert ExportResult((), skipped=("Persona/a",)).lines() == [
        "Skipped personas already managed (Persona/a); name their ids to export them again."
    ]
