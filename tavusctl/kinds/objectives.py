"""The objectives set of the 2026 API (tavus-api-2026.md "Objectives: still a set"), over
``/v2/objectives``, named by a PAL's ``objectives_id``.

An update is JSON Patch against the set document. The set is checked offline as the vendor's
own model checks it (:func:`check_set`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from tavusctl.core.secrets import SecretRule
from tavusctl.kinds.kind import KeyOrder, Kind, UpdateStyle


def check_set(spec: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """(spec pointer, sentence) for every problem between the items of a set: a name used
    twice, a reference to no item of the set, a self reference, both kinds of next."""
    data = spec.get("data")
    items = [i for i in data if isinstance(i, Mapping)] if isinstance(data, list) else []
    names = [i.get("objective_name") for i in items]
    known = sorted(n for n in set(names) if isinstance(n, str))
    for index, item in enumerate(items):
        name, at = item.get("objective_name"), f"/data/{index}"
        if names.count(name) > 1 and names.index(name) != index:
            yield f"{at}/objective_name", f"objective_name '{name}' is used twice in the set."
        required = item.get("next_required_objective")
        conditional = item.get("next_conditional_objectives")
        targets = [("next_required_objective", required)] if isinstance(required, str) else []
        if isinstance(conditional, Mapping):
            targets += [(f"next_conditional_objectives/{t}", t) for t in conditional]
        for field, target in targets:
            if target == name:
                yield f"{at}/{field}", f"objective '{name}' refers to itself in {field}."
            elif target not in known:
                yield f"{at}/{field}", _unknown(name, target, known)
        if isinstance(required, str) and conditional:
            yield (
                f"{at}/next_required_objective",
                f"objective '{name}' has both next_required_objective and "
                "next_conditional_objectives; keep one of them.",
            )


def _unknown(name: object, target: object, known: list[str]) -> str:
    return (
        f"objective '{name}' refers to '{target}', which is no objective_name of this set "
        f"({', '.join(known)})."
    )


OBJECTIVES = Kind(
    name="Objectives",
    noun="objectives set",
    collection="/v2/objectives",
    id_field="objectives_id",
    name_field="name",
    update=UpdateStyle.JSON_PATCH,
    secrets=SecretRule(),
    server_owned=frozenset({"objectives_id", "uuid", "owner_id", "created_at", "updated_at"}),
    volatile=frozenset({"updated_at"}),
    spec_schema="objectives-spec.schema.json",
    rules=check_set,
    key_order=KeyOrder(top=("name", "allow_loops", "data")),
)
