"""The shapes of the JSON tavusctl sends to the API, as TypedDicts shared by the stages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

JsonObject = dict[str, Any]  # a JSON object as parsed: a persona, a spec, an API answer

PatchVerb = Literal["add", "remove", "replace", "test"]


class _Op(TypedDict):
    op: PatchVerb
    path: str


class PatchOp(_Op, total=False):
    """One RFC 6902 operation on the wire (``value`` absent for ``remove``)."""

    value: object


# A JSON Patch (a sequence of operations), or a plain JSON body (see Kind.update).
UpdatePayload = Sequence[Mapping[str, Any]] | Mapping[str, Any]
