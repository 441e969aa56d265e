"""RFC 6902 JSON Patch for personas: shape checks, read-only fields, atomic application.

The patch is applied to a deep copy, so a failing operation (a ``test`` included) changes
nothing. Status codes follow tavus-api.md §3.6 and §11.
"""

from __future__ import annotations

import json
from typing import Any

import jsonpatch
import jsonpointer

from tavusctl.emulator.http import HttpError, error
from tavusctl.emulator.vocab import PAL_SERVER_FIELDS

OPS = ("add", "remove", "replace", "move", "copy", "test")
NEEDS_VALUE = ("add", "replace", "test")
NEEDS_FROM = ("move", "copy")
READ_ONLY = ("persona_id", "created_at", "updated_at", "persona_type", "pal_id", *PAL_SERVER_FIELDS)


def patch_error(status: int) -> HttpError:
    """The error for a malformed or failing patch under the ``patch_error_status`` switch."""
    if status == 400:
        return error(400, "Invalid patch operation")
    return HttpError(422, {"message": "Invalid JSON patch format"})


def check_ops(ops: object, error_status: int) -> list[dict[str, object]]:
    """Return ``ops`` if it is a well-formed list of operations; raise otherwise."""
    if not isinstance(ops, list) or not all(_well_formed(op) for op in ops):
        raise patch_error(error_status)
    for op in ops:
        if op["op"] != "test" and _touches_read_only(op):
            raise error(400, "Cannot modify read-only field")
    return ops


def apply_ops(
    doc: dict[str, Any], ops: list[dict[str, object]], error_status: int
) -> dict[str, object]:
    """Apply ``ops`` to a copy of ``doc`` and return it; raise if any operation fails."""
    try:
        result = jsonpatch.JsonPatch(ops).apply(doc, in_place=False)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise patch_error(error_status) from exc
    except (TypeError, KeyError, IndexError, ValueError) as exc:  # odd values the library trips on
        raise patch_error(error_status) from exc
    if not isinstance(result, dict):
        raise patch_error(error_status)
    return result


def same_document(a: object, b: object) -> bool:
    """JSON equality that tells ``1``, ``1.0`` and ``true`` apart (Python's ``==`` does not)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _well_formed(op: object) -> bool:
    if not isinstance(op, dict) or op.get("op") not in OPS or not _is_pointer(op.get("path")):
        return False
    if op["op"] in NEEDS_VALUE and "value" not in op:
        return False
    return op["op"] not in NEEDS_FROM or _is_pointer(op.get("from"))


def _is_pointer(path: object) -> bool:
    return isinstance(path, str) and (path == "" or path.startswith("/"))


def _touches_read_only(op: dict[str, Any]) -> bool:
    paths = [op["path"]] + ([op["from"]] if op["op"] == "move" else [])
    return any(path == "" or path.split("/")[1] in READ_ONLY for path in paths)
