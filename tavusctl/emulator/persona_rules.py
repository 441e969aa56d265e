"""Persona validation and server-filled defaults (tavus-api.md §3, §11; 2026 fields and looser
enums from tavus-api-2026.md).

Validation runs on a create body and on the result of a PATCH alike. Wording of errors the docs
do not give is invented, in the documented ``{"error": ...}`` shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tavusctl.emulator.http import HttpError, error

SERVER_FIELDS = ("persona_id", "created_at", "updated_at", "persona_type")
STRINGS = (
    "persona_name",
    "system_prompt",
    "context",
    "greeting",
    "default_replica_id",
    "objectives_id",
    "guardrails_id",
)
STRING_LISTS = (
    "document_ids",
    "document_tags",
    "guardrail_ids",
    "guardrail_tags",
    "tool_ids",
    "memories",
)
BOOLEANS = ("is_template",)
TOP_LEVEL = {"pipeline_mode", "layers", *STRINGS, *STRING_LISTS, *BOOLEANS}
PIPELINE_MODES = ("full", "echo", "speech-to-speech")
MAX_IDS = 50  # tool_ids, guardrail_ids
LEVELS = ("low", "medium", "high")
# Tavus's own configs use verylow for interruptibility: the server is looser than its docs.
INTERRUPTIBILITY = ("verylow", *LEVELS)
SENSITIVITIES = ("high", "medium", "low", "verylow", "superlow")
INTERRUPT_NAMES = ("replica_interruptibility", "face_interruptibility", "pal_interruptibility")
LAYER_FIELDS: dict[str, set[str] | None] = {
    "llm": {"model", "base_url", "api_key", "speculative_inference", "tools", "headers", "extra_body",
            "default_query", "disable_vision", "enable_llm_proxy", "model_name", "is_custom", "endpoint"},
    "tts": {"tts_engine", "api_key", "external_voice_id", "voice_settings", "tts_emotion_control",
            "tts_model_name", "playht_user_id", "pronunciation_dictionary_id"},
    "stt": {"stt_engine", "hotwords", "participant_pause_sensitivity",
            "participant_interrupt_sensitivity", "smart_turn_detection"},
    "perception": {"perception_model", "ambient_awareness_queries", "perception_analysis_queries",
                   "perception_tool_prompt", "perception_tools", "visual_awareness_queries",
                   "visual_tool_prompt", "visual_tools", "audio_awareness_queries",
                   "audio_tool_prompt", "audio_tools", "tool_prompt"},
    "conversational_flow": {"turn_detection_model", "turn_taking_patience", *INTERRUPT_NAMES,
                            "turn_commitment", "active_listening", "voice_isolation",
                            "noise_cancellation", "wake_phrase", "sleep_phrase", "idle_engagement"},
    "conferencing": {"username", "allowlist", "whitelabel"},
    "capabilities": {"mcp_enabled", "search_enabled", "activity_log_enabled",
                     "search_results_prompt_injection_prevention_enabled"},
    "knowledge_base": {"rag_score_threshold", "rag_n_chunks", "rag_surrounding_chunk_radius",
                       "enable_rag_observability_app_messages", "use_procedure_goalchain"},
    "transport": None, "vqa": None, "sts": None,  # free-form: the docs show too little
}  # fmt: skip
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("perception", "perception_model"): ("raven-0", "raven-1", "basic", "off"),
    ("tts", "tts_engine"): ("cartesia", "elevenlabs", "playht", "azure"),
    ("conversational_flow", "turn_detection_model"): (
        "sparrow-0",
        "sparrow-1",
        "time-based",
        "timebased",
    ),
    ("conversational_flow", "turn_taking_patience"): LEVELS,
    **{("conversational_flow", name): INTERRUPTIBILITY for name in INTERRUPT_NAMES},
    ("conversational_flow", "turn_commitment"): LEVELS,
    ("conversational_flow", "active_listening"): ("off", *LEVELS),
    ("stt", "participant_pause_sensitivity"): SENSITIVITIES,
    ("stt", "participant_interrupt_sensitivity"): SENSITIVITIES,
}
E4_DEFAULTS = (("llm", "model", "tavus-gpt-oss"), ("tts", "tts_engine", "cartesia"),
               ("perception", "perception_model", "raven-1"), ("stt", "stt_engine", "tavus-auto"))  # fmt: skip
FLOW_DEFAULTS = {"turn_detection_model": "sparrow-1", "turn_taking_patience": "medium",
                 "replica_interruptibility": "medium"}  # fmt: skip


def validate_persona(doc: Mapping[str, Any], replicas: Mapping[str, Any], *, strict: bool) -> None:
    """Raise HttpError(400) if ``doc`` (a persona without server fields) breaks a rule."""
    if not isinstance(doc, Mapping):
        raise error(400, "Invalid request body")
    if strict:
        _reject_unknown(doc)
    _check_types(doc)
    mode = doc.get("pipeline_mode", "full")
    if mode not in PIPELINE_MODES:
        raise _invalid("/pipeline_mode", PIPELINE_MODES)
    if mode == "full" and not doc.get("system_prompt"):
        raise error(400, "system_prompt is required")
    replica_id = doc.get("default_replica_id")
    if replica_id is not None and replica_id not in replicas:
        raise error(400, "Invalid replica_uuid")
    for name in ("guardrail_ids", "tool_ids"):
        if len(doc.get(name) or ()) > MAX_IDS:
            raise error(400, f"{name} cannot exceed {MAX_IDS}")
    _check_layers(doc.get("layers") or {})


def fill_defaults(doc: dict[str, Any], *, at_create: bool) -> None:
    """Fill server defaults in place: E4 layer defaults (at create) and flow sibling defaults."""
    if at_create:
        doc["layers"] = layers = doc.get("layers") or {}
        for layer, name, value in E4_DEFAULTS:
            layers[layer] = layers.get(layer) or {}
            layers[layer].setdefault(name, value)
    flow = (doc.get("layers") or {}).get("conversational_flow")
    if isinstance(flow, dict) and any(flow.get(name) is not None for name in FLOW_DEFAULTS):
        for name, value in FLOW_DEFAULTS.items():
            flow.setdefault(name, value)


def _reject_unknown(doc: Mapping[str, object]) -> None:
    for key in doc:
        if key not in TOP_LEVEL:
            raise error(400, f"Unknown field: /{key}")
    layers = doc.get("layers")
    for layer, fields in layers.items() if isinstance(layers, Mapping) else ():
        if layer not in LAYER_FIELDS:
            raise error(400, f"Unknown field: /layers/{layer}")
        known = LAYER_FIELDS[layer]
        if known is None or not isinstance(fields, Mapping):
            continue
        for name in fields:
            if name not in known:
                raise error(400, f"Unknown field: /layers/{layer}/{name}")


def _check_types(doc: Mapping[str, object]) -> None:
    for name in STRINGS:
        if doc.get(name) is not None and not isinstance(doc[name], str):
            raise error(400, f"Invalid value at /{name}: must be a string")
    for name in STRING_LISTS:
        value = doc.get(name)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise error(400, f"Invalid value at /{name}: must be a list of strings")
    for name in BOOLEANS:
        if doc.get(name) is not None and not isinstance(doc[name], bool):
            raise error(400, f"Invalid value at /{name}: must be a boolean")
    if doc.get("layers") is not None and not isinstance(doc["layers"], Mapping):
        raise error(400, "Invalid value at /layers: must be an object")


def _check_layers(layers: Mapping[str, Any]) -> None:
    for layer, fields in layers.items():
        if fields is not None and not isinstance(fields, Mapping):
            raise error(400, f"Invalid value at /layers/{layer}: must be an object")
    for (layer, name), allowed in ENUMS.items():
        value = (layers.get(layer) or {}).get(name)
        if value is not None and value not in allowed:
            raise _invalid(f"/layers/{layer}/{name}", allowed)


def _invalid(path: str, allowed: tuple[str, ...]) -> HttpError:
    return error(400, f"Invalid value at {path}: must be one of {', '.join(allowed)}")
