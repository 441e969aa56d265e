"""The PAL: the 2026 name of a persona (tavus-api-2026.md), over ``/v2/pals``.

A PAL and a persona are one object on the server, seen in two vocabularies: ``pal_id``,
``pal_name``, ``default_face_id`` and ``layers.conversational_flow.face_interruptibility``
instead of ``persona_id``, ``persona_name``, ``default_replica_id`` and
``replica_interruptibility``. One object is managed under one kind only; ``tavusctl state mv
Persona/NAME Pal/NAME`` moves a managed persona to the PAL vocabulary, keeping its id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tavusctl.kinds.kind import KeyOrder
from tavusctl.kinds.persona import PERSONA

FLOW = "/layers/conversational_flow"

# The persona's fields in the PAL's words; every other field is the same. The legacy singular
# guardrails_id is the persona era's only.
IN_PAL_WORDS = {
    "/persona_name": "/pal_name",
    "/default_replica_id": "/default_face_id",
    f"{FLOW}/replica_interruptibility": f"{FLOW}/face_interruptibility",
}
PERSONA_ONLY = frozenset({"/guardrails_id"})


def _in_pal_words(parent: str, keys: Iterable[str]) -> tuple[str, ...]:
    paths = (f"{parent}/{key}" for key in keys)
    return tuple(
        IN_PAL_WORDS.get(path, path).rsplit("/", 1)[1] for path in paths if path not in PERSONA_ONLY
    )


# One object on the server, so one secret rule, one set of server fields, one update style:
# all the persona's, in other words.
PAL = replace(
    PERSONA,
    name="Pal",
    noun="PAL",
    collection="/v2/pals",
    id_field="pal_id",
    name_field="pal_name",
    spec_schema="pal-spec.schema.json",
    # The quickstart writes pal_interruptibility, the persona era replica_interruptibility; the
    # vendor's own client sends face_interruptibility, and so does tavusctl.
    aliases={
        f"{FLOW}/pal_interruptibility": f"{FLOW}/face_interruptibility",
        f"{FLOW}/replica_interruptibility": f"{FLOW}/face_interruptibility",
    },
    renames_from={PERSONA.name: IN_PAL_WORDS},
    key_order=KeyOrder(
        top=_in_pal_words("", PERSONA.key_order.top),
        nested={
            parent: _in_pal_words(parent, keys) for parent, keys in PERSONA.key_order.nested.items()
        },
    ),
)
