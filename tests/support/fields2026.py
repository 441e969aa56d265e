"""Every field of the 2026 persona (PAL) model of tavus-api-2026.md, with a value each.

In persona words; :func:`as_pal` renames them for ``kind: Pal``. Used by the schema tests and
the end-to-end test that applies every field under every emulator switch.
"""

from __future__ import annotations

import copy
from typing import Any

EVERY_2026_FIELD: dict[str, Any] = {
    "persona_name": "Everything 2026",
    "system_prompt": "You help with everything.",
    "greeting": "Hello! How can I help?",
    "pipeline_mode": "full",
    "context": "The user is a customer.",
    "memories": ["The user prefers short answers.", "The user's name is Ada."],
    "default_replica_id": "r4067604db72",
    "objectives_id": "o12345",
    "guardrail_ids": ["g1234567890ab"],
    "guardrail_tags": ["safety"],
    "document_ids": ["d8-5c71baca86fc"],
    "document_tags": ["faq"],
    "tool_ids": ["t0123456789ab", "t0123456789ac"],
    "is_template": False,
    "layers": {
        "llm": {
            "model": "tavus-gemma-4",
            "base_url": "https://llm.example.com/v1",
            "api_key": "${env:LLM_API_KEY}",
            "headers": {"X-Team": "${env:LLM_API_KEY}"},
            "extra_body": {"temperature": 0.4},
            "default_query": {"api-version": "2026-01-01"},
            "disable_vision": False,
            "speculative_inference": True,
            "enable_llm_proxy": False,
            "model_name": "my-model",
            "is_custom": True,
            "endpoint": "https://llm.example.com/v1/chat",
        },
        "tts": {
            "tts_engine": "cartesia",
            "external_voice_id": "a0e99841",
            "voice_settings": {"speed": "normal"},
            "tts_emotion_control": True,
            "tts_model_name": "sonic-3",
            "pronunciation_dictionary_id": "5e0b4c1a-3f7e-4c1d-9a57-0d3c2b1a0f9e",
        },
        "stt": {"stt_engine": "tavus-auto", "hotwords": "Tavus, Raven"},
        "sts": {"voice": "alloy"},
        "transport": {"transport_type": "livekit"},
        "perception": {
            "perception_model": "raven-1",
            "visual_awareness_queries": ["Is the user smiling?"],
            "visual_tool_prompt": "Call notify when you see an ID card.",
            "audio_awareness_queries": ["Is there background noise?"],
            "audio_tool_prompt": "Call notify on a siren.",
            "perception_analysis_queries": ["Was the user engaged?"],
            "tool_prompt": "Use tools when needed.",
        },
        "conversational_flow": {
            "turn_detection_model": "sparrow-1",
            "turn_taking_patience": "medium",
            "replica_interruptibility": "verylow",
            "voice_isolation": "high",
            "noise_cancellation": "on",
            "wake_phrase": "Hey Ada",
            "sleep_phrase": "Goodbye Ada",
            "idle_engagement": "low",
        },
        "conferencing": {"username": "Ada", "allowlist": ["ada@example.com"], "whitelabel": True},
        "capabilities": {
            "mcp_enabled": True,
            "search_enabled": False,
            "activity_log_enabled": True,
            "search_results_prompt_injection_prevention_enabled": True,
        },
        "knowledge_base": {
            "rag_score_threshold": 0.35,
            "rag_n_chunks": 5,
            "rag_surrounding_chunk_radius": 1,
            "enable_rag_observability_app_messages": False,
            "use_procedure_goalchain": True,
        },
    },
}

PAL_NAMES = {
    "persona_name": "pal_name",
    "default_replica_id": "default_face_id",
}


def as_pal(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` in PAL words: pal_name, default_face_id, face_interruptibility."""
    out = {PAL_NAMES.get(k, k): copy.deepcopy(v) for k, v in spec.items()}
    flow = out.get("layers", {}).get("conversational_flow")
    if isinstance(flow, dict) and "replica_interruptibility" in flow:
        flow["face_interruptibility"] = flow.pop("replica_interruptibility")
    return out
