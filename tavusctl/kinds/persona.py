"""The Persona: everything that makes a persona a persona, for tavusctl."""

from __future__ import annotations

from tavusctl.core.secrets import SecretRule
from tavusctl.kinds.kind import KeyOrder, Kind, UpdateStyle

# Fields the 2026 API (the PAL) shows on read and owns; pal_id is a PAL's id.
SERVER_OWNED_2026 = (
    "pal_id",
    "uuid",
    "owner_id",
    "session_id",
    "is_draft",
    "source_template_id",
    "registration_id",
    "pal_settings_id",
)

PERSONA = Kind(
    name="Persona",
    noun="persona",
    collection="/v2/personas",
    id_field="persona_id",
    name_field="persona_name",
    update=UpdateStyle.JSON_PATCH,
    # Secret: any credential-named key at any depth (api_key, an Azure-style api-key in
    # layers.llm.default_query, a password, a token; compared without case), and every custom
    # LLM header (they carry auth).
    secrets=SecretRule(
        keys=frozenset(
            {
                "api_key",
                "api-key",
                "apikey",
                "x-api-key",
                "password",
                "secret",
                "client_secret",
                "access_token",
                "auth_token",
                "authorization",
            }
        ),
        under=("/layers/llm/headers",),
    ),
    # The 2026 read shape adds uuid, owner_id, ... (tavus-api-2026.md): the server's too.
    server_owned=frozenset(
        {"persona_id", "created_at", "updated_at", "persona_type", "status", *SERVER_OWNED_2026}
    ),
    volatile=frozenset({"updated_at"}),
    created_field="created_at",
    system_field="persona_type",
    list_params={"persona_type": "user"},
    spec_schema="persona-spec.schema.json",
    # The order of the Tavus docs.
    key_order=KeyOrder(
        top=(
            "persona_name",
            "pipeline_mode",
            "system_prompt",
            "greeting",
            "context",
            "memories",
            "default_replica_id",
            "document_ids",
            "document_tags",
            "objectives_id",
            "guardrails_id",
            "guardrail_ids",
            "guardrail_tags",
            "tool_ids",
            "is_template",
            "layers",
        ),
        nested={
            "/layers": (
                "llm",
                "tts",
                "stt",
                "sts",
                "perception",
                "conversational_flow",
                "transport",
                "conferencing",
                "capabilities",
                "knowledge_base",
            ),
            "/layers/*": (),
            "/layers/llm": (
                "model",
                "base_url",
                "api_key",
                "speculative_inference",
                "tools",
                "headers",
                "extra_body",
                "default_query",
            ),
            "/layers/tts": (
                "tts_engine",
                "api_key",
                "external_voice_id",
                "tts_model_name",
                "voice_settings",
                "tts_emotion_control",
                "pronunciation_dictionary_id",
            ),
            "/layers/stt": ("stt_engine", "hotwords"),
            "/layers/perception": (
                "perception_model",
                "perception_analysis_queries",
                "visual_awareness_queries",
                "visual_tool_prompt",
                "visual_tools",
                "audio_awareness_queries",
                "audio_tool_prompt",
                "audio_tools",
            ),
            "/layers/conversational_flow": (
                "turn_detection_model",
                "turn_taking_patience",
                "replica_interruptibility",
                "voice_isolation",
            ),
            "/layers/transport": ("transport_type",),
        },
    ),
)
