"""What makes a kind of resource itself: a :class:`Kind` describes one, as plain data.

The planner, the differ, the executor, the client, the fetcher and the exporter ask the kind of
a resource for everything that differs between kinds; none of them names a kind.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum

from tavusctl.core import pointer
from tavusctl.core.secrets import SecretRule


class UpdateStyle(str, Enum):
    """How an update is sent."""

    JSON_PATCH = "json-patch"  # PATCH with RFC 6902 operations, ``test`` preconditions first
    JSON_BODY = "json-body"  # PATCH with a JSON object: each top-level field given replaces
    # PATCH with RFC 6902 operations on whole top-level fields (``add`` where live lacks one)
    JSON_PATCH_FIELDS = "json-patch-fields"

    @property
    def whole_fields(self) -> bool:
        """Whether an update sends whole top-level fields (not the leaves that changed)."""
        return self is not UpdateStyle.JSON_PATCH

    @property
    def is_patch(self) -> bool:
        """Whether an update is sent as RFC 6902 operations (``test`` preconditions first)."""
        return self is not UpdateStyle.JSON_BODY


@dataclass(frozen=True)
class KeyOrder:
    """The key order of an exported spec, as the API docs write it: ``top`` keys first, the
    others alphabetically; likewise inside each object ``nested`` names by pointer (``*`` stands
    for any one key: ``/layers/*`` is every layer). Other objects keep the API's order."""

    top: tuple[str, ...] = ()
    nested: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def at(self, path: str) -> tuple[str, ...] | None:
        """The order of the object at ``path``; None if it keeps the API's order."""
        if not path:
            return self.top
        wildcard = path.rsplit("/", 1)[0] + "/*"
        return self.nested.get(path, self.nested.get(wildcard))


@dataclass(frozen=True)
class Kind:
    """One kind of Tavus resource, as tavusctl manages it.

    ``name`` is the manifest ``kind`` and the lockfile key prefix (``Persona/interviewer``).
    ``collection`` is the API path of its list (``/v2/personas``); one object lives at
    ``{collection}/{id}``. ``id_field`` holds its id in API answers; ``name_field`` its display
    name, by which export names a manifest and an unknown create outcome is matched for
    adoption. ``server_owned`` fields are never managed (nor exported); a change to a
    ``volatile`` one alone does not make a saved plan stale. ``secrets`` says which fields are
    secret. ``list_params`` go with every list request; an object whose ``system_field`` is
    ``"system"`` belongs to Tavus and is never ours. ``spec_schema`` is the JSON Schema of
    its spec (under ``tavusctl/schemas/``). ``aliases`` are spec pointers this kind accepts
    under another name and sends under its own (the alias -> the own name). ``renames_from``
    says how a spec recorded under another kind reads in this kind's words (by that kind's
    name), for ``state mv`` from one kind to the other: the two are one object on the server.
    """

    name: str
    noun: str  # in messages: "persona"
    collection: str
    id_field: str
    name_field: str
    secrets: SecretRule
    update: UpdateStyle = UpdateStyle.JSON_PATCH
    server_owned: frozenset[str] = frozenset()
    volatile: frozenset[str] = frozenset({"updated_at"})
    created_field: str = "created_at"
    system_field: str | None = None
    list_params: Mapping[str, str] = field(default_factory=dict)
    spec_schema: str | None = None
    key_order: KeyOrder = field(default_factory=KeyOrder)
    aliases: Mapping[str, str] = field(default_factory=dict)
    renames_from: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Checks between fields that a JSON Schema cannot say: (spec pointer, sentence) each.
    rules: Callable[[Mapping[str, object]], Iterator[tuple[str, str]]] | None = None

    @property
    def plural(self) -> str:
        return self.noun + "s"

    def path_of(self, object_id: str) -> str:
        """The API path of one object (the id is escaped by the caller)."""
        return f"{self.collection}/{object_id}"

    def id_of(self, doc: Mapping[str, object]) -> str | None:
        """The id in an API answer, if it has one."""
        found = doc.get(self.id_field)
        return found if isinstance(found, str) else None

    def is_ours(self, doc: Mapping[str, object]) -> bool:
        """Whether a listed object can be managed: it has an id and is not Tavus's own."""
        system = self.system_field is not None and doc.get(self.system_field) == "system"
        return self.id_of(doc) is not None and not system

    def in_own_words(self, spec: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
        """``spec`` (a copy) with every alias under this kind's own name, and the aliases that
        were found. Where both are written, the own name wins and the alias is dropped."""
        return renamed(spec, self.aliases)

    def key(self, name: str) -> str:
        """The lockfile key of the resource named ``name``."""
        return f"{self.name}/{name}"


def renamed(
    doc: Mapping[str, object], renames: Mapping[str, str]
) -> tuple[dict[str, object], list[str]]:
    """A deep copy of ``doc`` with the value at each pointer of ``renames`` moved to its new
    pointer (into an existing parent object), and the old pointers that were present."""
    out: dict[str, object] = copy.deepcopy(dict(doc))
    found = []
    for old, new in renames.items():
        *parents, key = pointer.split(old)
        parent = pointer.get(out, pointer.join(parents), None)
        if not isinstance(parent, dict) or key not in parent:
            continue
        found.append(old)
        value = parent.pop(key)
        *new_parents, new_key = pointer.split(new)
        target = pointer.get(out, pointer.join(new_parents), None)
        if isinstance(target, dict):
            target.setdefault(new_key, value)
    return out, found
