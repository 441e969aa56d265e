"""The PAL: the 2026 name of a persona (tavus-api-2026.md), over ``/v2/pals``.

A PAL and a persona are one object on the server, seen in two vocabularies: ``pal_id``,
``pal_name``, ``default_face_id`` and ``layers.conversational_flow.face_interruptibility``
instead of ``persona_id``, ``persona_name``, ``default_replica_id`` and
``replica_interruptibility``. One object is managed under one kind only; ``tavusctl state mv
Persona/NAME Pal/NAME`` moves a managed persona to the PAL vocabulary, keeping its id.
"""

from __future__ import annotations

from tavusctl.kinds.kind import KeyOrder, Kind, UpdateStyle
from tavusctl.kinds.persona import PERSONA, SERVER_OWNED_2026

FLOW = "/layers/conversational_flow"

PAL = Kind(
    name="Pal",
    noun="PAL",
    collection="/v2/pals",
    id_field="pal_id",
    name_field="pal_name",
    update=UpdateStyle.JSON_PATCH,
    secrets=PERSONA.secrets,
    server_owned=frozenset(
        {"persona_id", "created_at", "updated_at", "persona_type", "status", *SERVER_OWNED_2026}
    ),
    volatile=frozenset({"updated_at"}),
    created_field="created_at",
    system_field="persona_type",
    list_params={"persona_type": "user"},
    spec_schema="pal-spec.schema.json",
    # The quickstart writes pal_interruptibility, the persona era replica_interruptibility; the
    # vendor's own client sends face_interruptibility, and so does tavusctl.
    aliases={
        f"{FLOW}/pal_interruptibility": f"{FLOW}/face_interruptibility",
        f"{FLOW}/replica_interruptibility": f"{FLOW}/face_interruptibility",
    },
    renames_from={
        PERSONA.name: {
            "/persona_name": "/pal_name",
            "/default_replica_id": "/default_face_id",
            f"{FLOW}/replica_interruptibility": f"{FLOW}/face_interruptibility",
        }
    },
    key_order=KeyOrder(
        top=(
            "pal_name",
            "pipeline_mode",
            "system_prompt",
            "greeting",
            "context",
            "memories",
            "default_face_id",
            "document_ids",
            "document_tags",
            "objectives_id",
            "guardrail_ids",
            "guardrail_tags",
            "tool_ids",
            "is_template",
            "layers",
        ),
        nested={
            **PERSONA.key_order.nested,
            FLOW: ("turn_detection_model", "turn_taking_patience", "face_interruptibility"),
        },
    ),
)
