"""Resource kinds: what makes each kind itself (see :class:`Kind`), and which kinds exist.

Adding a kind is one step: describe it as a :class:`Kind` in a module of its own (see
``persona.py``) and list it in :data:`KINDS` below. Nothing else names a kind.
"""

from __future__ import annotations

from tavusctl.kinds.dictionary import PRONUNCIATION_DICTIONARY
from tavusctl.kinds.guardrail import GUARDRAIL
from tavusctl.kinds.kind import KeyOrder, Kind, UpdateStyle
from tavusctl.kinds.objectives import OBJECTIVES
from tavusctl.kinds.pal import PAL
from tavusctl.kinds.persona import PERSONA
from tavusctl.kinds.tool import TOOL

# Every kind tavusctl manages, by name. Order matters only for output: fetched in this order.
KINDS: dict[str, Kind] = {
    k.name: k for k in (PERSONA, PAL, GUARDRAIL, OBJECTIVES, TOOL, PRONUNCIATION_DICTIONARY)
}


def of(name: str) -> Kind:
    """The kind named ``name`` (KeyError if there is none)."""
    return KINDS[name]


def of_key(key: str) -> Kind:
    """The kind of a lockfile key (``Persona/interviewer``)."""
    return KINDS[key.split("/", 1)[0]]


__all__ = [
    "GUARDRAIL",
    "KINDS",
    "OBJECTIVES",
    "PAL",
    "PERSONA",
    "PRONUNCIATION_DICTIONARY",
    "TOOL",
    "KeyOrder",
    "Kind",
    "UpdateStyle",
    "of",
    "of_key",
]
