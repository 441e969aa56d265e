"""Plain values from composed YAML nodes, with a location for every JSON Pointer.

We build values ourselves instead of using a PyYAML constructor, so that we can record where
each key and value was written, refuse tags, and bound the work done expanding aliases (a
"billion laughs" document is a few hundred bytes that expand into a billion nodes).

Scalars follow YAML 1.2 booleans: only ``true``/``false`` are booleans, so that
``perception_model: off`` stays the string ``"off"`` (YAML 1.1 would read it as ``false``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from tavusctl.core import display, pointer
from tavusctl.core.model import Location

MAX_NODES = 100_000  # per file, after alias expansion
MAX_DEPTH = 100

Stack = tuple[int, ...]  # ids of the nodes being built, outermost first: finds alias cycles
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


class SourceError(Exception):
    """A file that cannot be read as YAML; ``location`` points at the problem."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


@dataclass(frozen=True)
class Document:
    """One YAML document: its plain value and where each part of it was written.

    ``keys`` maps a JSON Pointer to where its key was written (for list items: the item
    itself); ``values`` maps it to where its value starts. ``""`` is the document itself.
    """

    value: Any
    keys: dict[str, Location] = field(default_factory=dict)
    values: dict[str, Location] = field(default_factory=dict)

    def key_location(self, path: str) -> Location:
        """Where the key of ``path`` (or of its nearest recorded parent) was written."""
        return _nearest(self.keys, path)

    def value_location(self, path: str) -> Location:
        """Where the value of ``path`` (or of its nearest recorded parent) starts."""
        return _nearest(self.values, path)


def _nearest(table: dict[str, Location], path: str) -> Location:
    while path and path not in table:
        path = path.rsplit("/", 1)[0]
    return table[path]


# Integers of more than 1,000 decimal digits (Python refuses to print those of 4,300).
MAX_INT_BITS = 3321

# A lone UTF-16 surrogate (written "\ud800" in a double-quoted string): not Unicode text, so it
# cannot be encoded as JSON for the API or as UTF-8 for the lockfile.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate() -> str:
    return (
        "The string holds a lone surrogate (an escape from \\ud800 to \\udfff), which is not "
        "Unicode text and cannot be sent. Write the character itself, or its \\U escape."
    )


def too_deep() -> str:
    """The message for a document nested too deeply."""
    return f"The document nests deeper than {MAX_DEPTH} levels; tavusctl refuses to read it."


class Builder:
    """Turns composed nodes into plain values, recording locations and counting nodes."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.count = 0
        self.seen: set[int] = set()
        self.last_fresh = Location(display, 1, 1)  # the last node not reached through an alias
        self.scalars = yaml.SafeLoader("")

    def document(self, node: yaml.Node) -> Document:
        doc = Document(None)
        start = self._loc(node)
        doc.keys[""] = doc.values[""] = start
        return Document(self._build(node, "", doc, ()), doc.keys, doc.values)

    def _loc(self, node: yaml.Node) -> Location:
        return Location(self.display, node.start_mark.line + 1, node.start_mark.column + 1)

    def _build(self, node: yaml.Node, path: str, doc: Document, stack: Stack) -> Any:
        self._count(node, stack)
        doc.values.setdefault(path, self._loc(node))
        inner = (*stack, id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, doc, inner)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, path, doc, inner)
        return self._scalar(node)

    def _count(self, node: yaml.Node, stack: Stack) -> None:
        self.count += 1
        if id(node) not in self.seen:
            self.seen.add(id(node))
            self.last_fresh = self._loc(node)
        if self.count > MAX_NODES:
            raise SourceError(
                self.last_fresh,
                f"The document expands to more than {MAX_NODES} values (through YAML aliases); "
                "tavusctl refuses to read it. Remove the aliases that repeat large parts.",
            )
        if id(node) in stack:
            raise SourceError(self._loc(node), "A YAML alias refers to itself; remove it.")
        if len(stack) >= MAX_DEPTH:
            raise SourceError(self._loc(node), too_deep())
        self._check_tag(node)

    def _check_tag(self, node: yaml.Node) -> None:
        allowed = (
            _SCALAR_TAGS if isinstance(node, yaml.ScalarNode) else {f"{_TAG}map", f"{_TAG}seq"}
        )
        if node.tag not in allowed:
            raise SourceError(
                self._loc(node),
                f"The YAML tag {node.tag.replace(_TAG, '!!')} is not allowed; tavusctl reads "
                "plain YAML values only (strings, numbers, booleans, lists, mappings). Remove it.",
            )

    def _scalar(self, node: yaml.Node) -> object:
        if node.tag == f"{_TAG}timestamp" or (
            node.tag == f"{_TAG}bool" and node.value.lower() not in ("true", "false")
        ):
            return node.value  # JSON has no dates; yes/no/on/off are strings in YAML 1.2
        try:
            value = self.scalars.construct_object(node)
        except (yaml.YAMLError, ValueError):  # e.g. "!!int abc"
            raise SourceError(
                self._loc(node),
                f"'{display.cut(node.value, 40)}' cannot be read as "
                f"{node.tag.replace(_TAG, '!!')}. Fix the value or remove the tag.",
            ) from None
        return self._checked(node, value)

    def _checked(self, node: yaml.Node, value: Any) -> Any:
        """Refuse what YAML reads but JSON (the API, the lockfile) cannot carry."""
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise SourceError(
                self._loc(node),
                f"The number '{display.cut(node.value, 40)}' has more than 1,000 digits; no "
                "Tavus field takes such a number. Fix the value, or quote it to send a string.",
            )
        if isinstance(value, str) and _SURROGATE.search(value):
            raise SourceError(self._loc(node), _surrogate())
        return value

    def _sequence(self, node: yaml.SequenceNode, path: str, doc: Document, stack: Stack) -> object:
        items = []
        for index, child in enumerate(node.value):
            child_path = f"{path}/{index}"
            doc.keys.setdefault(child_path, self._loc(child))
            items.append(self._build(child, child_path, doc, stack))
        return items

    def _mapping(self, node: yaml.MappingNode, path: str, doc: Document, stack: Stack) -> object:
        result: dict[str, object] = {}
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                merged.append(value_node)
                continue
            key = self._key(key_node, result, path, doc)
            child_path = f"{path}/{pointer.escape(key)}"
            doc.keys[child_path] = self._loc(key_node)
            result[key] = self._build(value_node, child_path, doc, stack)
        for source in merged:
            self._merge(source, result, path, doc, stack)
        return result

    def _key(self, node: yaml.Node, seen: dict[str, object], path: str, doc: Document) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise SourceError(self._loc(node), "A mapping key must be a plain string.")
        key = str(node.value)
        if _SURROGATE.search(key):
            raise SourceError(self._loc(node), _surrogate())
        if key in seen:
            first = doc.keys[f"{path}/{pointer.escape(key)}"]
            raise SourceError(
                self._loc(node),
                f"The key '{key}' appears twice in the same mapping (first at line "
                f"{first.line}). Remove one of them.",
            )
        return key

    def _merge(
        self, node: yaml.Node, result: dict[str, object], path: str, doc: Document, stack: Stack
    ) -> None:
        """YAML merge keys (``<<: *defaults``): keys written explicitly win."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise SourceError(self._loc(source), "A merge key (<<) must refer to a mapping.")
            scratch = Document(None)
            merged = self._build(source, path, scratch, stack)
            for key in [k for k in merged if k not in result]:  # keep the written order
                result[key] = merged[key]
                prefix = f"{path}/{pointer.escape(key)}"
                for table, new in ((doc.keys, scratch.keys), (doc.values, scratch.values)):
                    table.update({p: loc for p, loc in new.items() if pointer.within(p, prefix)})
