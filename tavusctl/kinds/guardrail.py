"""The Guardrail: one flat rule of the 2026 API (tavus-api-2026.md "Guardrails"), over
``/v2/guardrails``, referenced by a PAL's ``guardrail_ids``.

Its id is ``uuid``. An update is a JSON Patch of whole top-level fields; the server is strict
RFC 6902 and does not show empty fields, so a field missing live is ``add``ed, never
``replace``d.
"""

from __future__ import annotations

from tavusctl.core.secrets import SecretRule
from tavusctl.kinds.kind import KeyOrder, Kind, UpdateStyle

GUARDRAIL = Kind(
    name="Guardrail",
    noun="guardrail",
    collection="/v2/guardrails",
    id_field="uuid",
    name_field="guardrail_name",
    update=UpdateStyle.JSON_PATCH_FIELDS,
    secrets=SecretRule(),
    server_owned=frozenset({"uuid", "owner_id", "created_at", "updated_at"}),
    volatile=frozenset({"updated_at"}),
    spec_schema="guardrail-spec.schema.json",
    key_order=KeyOrder(
        top=(
            "guardrail_name",
            "guardrail_prompt",
            "modality",
            "callback_url",
            "tool_call",
            "app_message",
            "tags",
        )
    ),
)
