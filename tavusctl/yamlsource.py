"""A safe YAML reader that remembers where every key and value was written.

PyYAML composes a node graph (with source marks); we build plain JSON-like values from it
ourselves instead of using a constructor, so that we can record a location for every JSON
Pointer, refuse tags, and bound the work done expanding aliases (a "billion laughs" document is
a few hundred bytes that expand into a billion nodes).

Scalars follow YAML 1.2 booleans: only ``true``/``false`` are booleans, so that
``perception_model: off`` stays the string ``"off"`` (YAML 1.1 would read it as ``false``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tavusctl import pointer
from tavusctl.model import Location

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 100_000  # per file, after alias expansion
MAX_DEPTH = 100
# libyaml parses about ten times faster; its errors are re-read with the pure-Python parser.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


def read_file(path: Path, display: str) -> list[Document]:
    """Read every non-empty YAML document of ``path``; ``display`` names it in locations.

    Raises ``SourceError`` for a file that is too large, not UTF-8, not valid YAML, uses tags,
    nests too deeply, or expands too far through aliases.
    """
    text = _read_text(path, display)
    try:
        nodes = list(yaml.compose_all(text, Loader=_FAST_LOADER))
    except yaml.YAMLError:
        nodes = _compose_slowly(text, display)
    builder = _Builder(display)
    return [builder.document(node) for node in nodes if not _is_null(node)]


def _compose_slowly(text: str, display: str) -> list[yaml.Node]:
    """Compose with the pure-Python parser, whose error messages are the clearer ones."""
    try:
        return list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, display) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, display) from None
    except RecursionError:
        raise SourceError(Location(display, 1, 1), _too_deep()) from None


def _read_text(path: Path, display: str) -> str:
    start = Location(display, 1, 1)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SourceError(
            start,
            f"The file is {size} bytes; tavusctl reads manifests of at most "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MiB. Split it into smaller files.",
        )
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise SourceError(
            _offset_location(data, exc.start, display),
            f"The file is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded. "
            "Save the file as UTF-8.",
        ) from None


def _offset_location(data: bytes, offset: int, display: str) -> Location:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return Location(display, data.count(b"\n", 0, offset) + 1, offset - line_start + 1)


def _syntax_error(exc: yaml.MarkedYAMLError, display: str) -> SourceError:
    mark = exc.problem_mark or exc.context_mark
    location = (
        Location(display, mark.line + 1, mark.column + 1) if mark else Location(display, 1, 1)
    )
    problem = exc.problem or exc.context or "unreadable YAML"
    if "'\\t'" in problem:
        return SourceError(
            location,
            "A tab character is used for indentation; YAML allows only spaces there. "
            "Replace the tab with spaces.",
        )
    return SourceError(location, f"Invalid YAML: {problem}. Fix the syntax at this position.")


def _reader_error(exc: yaml.reader.ReaderError, text: str, display: str) -> SourceError:
    data = text[: exc.position].encode()
    location = _offset_location(data, len(data), display)
    return SourceError(
        location,
        f"Invalid YAML: the control character #x{exc.character:04x} is not allowed. Remove it.",
    )


def _too_deep() -> str:
    return f"The document nests deeper than {MAX_DEPTH} levels; tavusctl refuses to read it."


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == f"{_TAG}null"


class _Builder:
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

    def _build(self, node: yaml.Node, path: str, doc: Document, stack: tuple[int, ...]) -> Any:
        self._count(node, stack)
        doc.values.setdefault(path, self._loc(node))
        inner = (*stack, id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, doc, inner)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, path, doc, inner)
        return self._scalar(node)

    def _count(self, node: yaml.Node, stack: tuple[int, ...]) -> None:
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
            raise SourceError(self._loc(node), _too_deep())
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

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag == f"{_TAG}timestamp" or (
            node.tag == f"{_TAG}bool" and node.value.lower() not in ("true", "false")
        ):
            return node.value  # JSON has no dates; yes/no/on/off are strings in YAML 1.2
        return self.scalars.construct_object(node)

    def _sequence(self, node: yaml.SequenceNode, path: str, doc: Document, stack: Any) -> Any:
        items = []
        for index, child in enumerate(node.value):
            child_path = f"{path}/{index}"
            doc.keys.setdefault(child_path, self._loc(child))
            items.append(self._build(child, child_path, doc, stack))
        return items

    def _mapping(self, node: yaml.MappingNode, path: str, doc: Document, stack: Any) -> Any:
        result: dict[str, Any] = {}
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

    def _key(self, node: yaml.Node, seen: dict[str, Any], path: str, doc: Document) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise SourceError(self._loc(node), "A mapping key must be a plain string.")
        key = str(node.value)
        if key in seen:
            first = doc.keys[f"{path}/{pointer.escape(key)}"]
            raise SourceError(
                self._loc(node),
                f"The key '{key}' appears twice in the same mapping (first at line "
                f"{first.line}). Remove one of them.",
            )
        return key

    def _merge(
        self, node: yaml.Node, result: dict[str, Any], path: str, doc: Document, stack: Any
    ) -> None:
        """YAML merge keys (``<<: *defaults``): keys written explicitly win."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise SourceError(self._loc(source), "A merge key (<<) must refer to a mapping.")
            scratch = Document(None)
            merged = self._build(source, path, scratch, stack)
            for key in merged.keys() - result.keys():
                result[key] = merged[key]
                prefix = f"{path}/{pointer.escape(key)}"
                for table, new in ((doc.keys, scratch.keys), (doc.values, scratch.values)):
                    table.update(
                        {
                            p: loc
                            for p, loc in new.items()
                            if p == prefix or p.startswith(prefix + "/")
                        }
                    )
