"""The 2026 names: a persona seen as a PAL, a replica as a face (tavus-api-2026.md).

``/v2/pals`` and ``/v2/faces`` are aliases over the persona and replica stores. The store keeps
the persona vocabulary; these functions rename at the edge, both ways. A PAL body may say
``pal_interruptibility`` (the quickstart's name) or ``face_interruptibility`` (the vendor
client's); both are read as the persona era's ``replica_interruptibility``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# persona name -> PAL name, top level
PAL_TOP = {
    "persona_id": "pal_id",
    "persona_name": "pal_name",
    "default_replica_id": "default_face_id",
}
FLOW = "conversational_flow"
INTERRUPT = "replica_interruptibility"
PAL_INTERRUPT = ("face_interruptibility", "pal_interruptibility")  # shown, also accepted
FACE_TOP = {"replica_id": "face_id", "replica_name": "face_name", "replica_type": "face_type"}
# Fields the 2026 read shape adds to a PAL; the server owns them.
PAL_SERVER_FIELDS = (
    "uuid",
    "owner_id",
    "session_id",
    "is_draft",
    "source_template_id",
    "registration_id",
    "pal_settings_id",
)


def to_pal(doc: Mapping[str, Any]) -> dict[str, object]:
    """A stored persona in PAL words (a shallow copy; layers copied where renamed)."""
    out = {PAL_TOP.get(k, k): v for k, v in doc.items()}
    flow = _flow(out)
    if flow is not None and INTERRUPT in flow and PAL_INTERRUPT[0] not in flow:
        out["layers"] = {**out["layers"], FLOW: _renamed(flow, INTERRUPT, PAL_INTERRUPT[0])}
    return out


def from_pal(doc: object) -> Any:
    """A PAL body (or patched PAL document) in persona words; non-objects pass through."""
    if not isinstance(doc, Mapping):
        return doc
    back: dict[str, str] = {v: k for k, v in PAL_TOP.items()}
    out: dict[str, Any] = {
        back.get(str(k), str(k)): v for k, v in doc.items() if k not in PAL_SERVER_FIELDS
    }
    flow = _flow(out)
    if flow is None:
        return out
    for name in PAL_INTERRUPT:
        if name in flow:
            flow = _renamed(flow, name, INTERRUPT)
    out["layers"] = {**out["layers"], FLOW: flow}
    return out


def to_face(replica: Mapping[str, object]) -> dict[str, object]:
    """A replica in face words."""
    return {FACE_TOP.get(k, k): v for k, v in replica.items()}


def _flow(doc: Mapping[str, object]) -> dict[str, object] | None:
    layers = doc.get("layers")
    flow = layers.get(FLOW) if isinstance(layers, Mapping) else None
    return flow if isinstance(flow, dict) else None


def _renamed(flow: dict[str, object], old: str, new: str) -> dict[str, object]:
    return {(new if k == old else k): v for k, v in flow.items()}
