"""The JSON Schemas themselves: valid, documented for editors, and covering the Tavus fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tavusctl.manifest.load import load

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
NAMES = [
    "manifest.schema.json",
    "persona-spec.schema.json",
    "pal-spec.schema.json",
    "guardrail-spec.schema.json",
    "objectives-spec.schema.json",
]

# Every persona field of tavus-api.md §3, across API versions E1-E4, legacy ones included.
EVERY_FIELD = """\
apiVersion: tavusctl/v1
kind: Persona
metadata:
  name: everything
  annotations: {team: support}
spec:
  persona_name: Everything
  system_prompt: Hello.
  pipeline_mode: full
  context: Context.
  default_replica_id: r90bbd427f71
  document_ids: [d8-5c71baca86fc]
  document_tags: [faq]
  objectives_id: o12345
  guardrails_id: g12345
  guardrail_ids: [g1234567890ab]
  guardrail_tags: [safety]
  layers:
    llm:
      model: tavus-gpt-oss
      base_url: https://llm.example.com/v1
      api_key: ${env:LLM_KEY}
      speculative_inference: true
      tools:
        - type: function
          function:
            name: get_weather
            description: Weather for a city.
            parameters: {type: object, properties: {city: {type: string}}}
            strict: true
      headers: {Authorization: "Bearer ${env:LLM_KEY}"}
      extra_body: {temperature: 0.7, top_p: 0.9, seed: 3}
      default_query: {api-version: "2024-01-01"}
    tts:
      tts_engine: cartesia
      api_key: ${env:TTS_KEY}
      external_voice_id: a0e99841
      voice_settings: {speed: normal, emotion: ["positivity:high"]}
      tts_emotion_control: true
      tts_model_name: sonic-3
      pronunciation_dictionary_id: pd_abc123def456
      playht_user_id: u1
    stt:
      stt_engine: tavus-auto
      hotwords: Tavus, Raven
      participant_pause_sensitivity: superlow
      participant_interrupt_sensitivity: verylow
      smart_turn_detection: true
    perception:
      perception_model: raven-1
      ambient_awareness_queries: ["Is the user smiling?"]
      perception_analysis_queries: ["Was the user engaged?"]
      perception_tool_prompt: Call tools when needed.
      perception_tools: []
      visual_awareness_queries: ["Is there a second person?"]
      visual_tool_prompt: Call notify when you see an ID card.
      visual_tools: []
      audio_awareness_queries: ["Is there background noise?"]
      audio_tool_prompt: Call notify on a siren.
      audio_tools: []
    conversational_flow:
      turn_detection_model: sparrow-1
      turn_taking_patience: medium
      replica_interruptibility: high
      turn_commitment: low
      active_listening: off
      voice_isolation: true
    transport:
      transport_type: livekit
    vqa:
      enable_vision: true
      enabled: true
      prompt: Describe the room.
"""

LEGACY = {
    "/spec/guardrails_id": "guardrail_ids",
    "/spec/layers/tts/playht_user_id": "tts_engine cartesia or elevenlabs",
    "/spec/layers/stt/participant_pause_sensitivity": "conversational_flow.turn_taking_patience",
    "/spec/layers/stt/participant_interrupt_sensitivity": (
        "conversational_flow.replica_interruptibility"
    ),
    "/spec/layers/stt/smart_turn_detection": "conversational_flow.turn_detection_model",
    "/spec/layers/perception/ambient_awareness_queries": "visual_awareness_queries",
    "/spec/layers/perception/perception_tool_prompt": "visual_tool_prompt",
    "/spec/layers/perception/perception_tools": "visual_tools",
    "/spec/layers/conversational_flow/turn_commitment": "turn_taking_patience",
    "/spec/layers/conversational_flow/active_listening": "no replacement",
    "/spec/layers/vqa": "layers.perception",
}


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text())
    return loaded


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_draft_2020_12_with_id_and_title(name: str) -> None:
    doc = schema(name)
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"].endswith("/" + name)
    assert doc["title"] and doc["description"]


def properties(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        for key, sub in node.get("properties", {}).items():
            yield f"{path}/{key}", sub
        for key, value in node.items():
            if key != "if":  # a condition, not a place where users write fields
                yield from properties(value, f"{path}/{key}")


@pytest.mark.parametrize("name", NAMES)
def test_every_property_has_a_description_for_editor_hover(name: str) -> None:
    undocumented = [path for path, sub in properties(schema(name)) if "description" not in sub]
    assert undocumented == []


def test_every_documented_persona_field_is_accepted_and_legacy_ones_warn(tmp_path: Path) -> None:
    (tmp_path / "everything.yaml").write_text(EVERY_FIELD)
    result = load([tmp_path], environ={"LLM_KEY": "k1", "TTS_KEY": "k2"})
    assert result.errors == ()
    assert len(result.warnings) == len(LEGACY)
    [resource] = result.resources
    by_line = {d.location.line: d.message for d in result.warnings}
    for path, replacement in LEGACY.items():
        line = resource.locations[path.removeprefix("/spec")].line
        assert by_line[line].startswith("Legacy field: ")
        assert replacement in by_line[line]


def test_examples_point_editors_at_the_manifest_schema() -> None:
    examples = sorted((ROOT / "examples" / "manifests").glob("*.yaml"))
    assert len(examples) >= 5
    for example in examples:
        first = example.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../schemas/manifest.schema.json"
        target = (example.parent / first.split("=", 1)[1]).resolve()
        assert json.loads(target.read_text())["title"] == "tavusctl manifest"


def test_every_2026_field_validates_without_a_finding(tmp_path: Path) -> None:
    import yaml

    from tests.support.fields2026 import EVERY_2026_FIELD

    doc = {"apiVersion": "tavusctl/v1", "kind": "Persona", "metadata": {"name": "all"}}
    (tmp_path / "all.yaml").write_text(yaml.safe_dump({**doc, "spec": EVERY_2026_FIELD}))
    result = load([tmp_path], environ={"LLM_API_KEY": "k1"})
    assert [d.message for d in (*result.errors, *result.warnings)] == []
