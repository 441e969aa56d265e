"""Read manifest files as YAML, safely, remembering where every key and value was written.

Limits: 5 MiB per file, UTF-8 only, no tags, bounded alias expansion and nesting (see
``yamltree``). Every refusal is a ``SourceError`` with a location and a whole-sentence message.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tavusctl.core.model import Location
from tavusctl.manifest.yamltree import MAX_NODES, Builder, Document, SourceError, too_deep

__all__ = ["Document", "SourceError", "read_file", "read_text"]

MAX_FILE_BYTES = 5 * 1024 * 1024
# libyaml parses about ten times faster; its errors are re-read with the pure-Python parser.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# No YAML text yields more than three values per character (``?`` alone: 3; long texts stay
# under 1.5, e.g. ``[?,?,...]``, found by fuzzing libyaml), so a file of fewer characters than
# this cannot hold MAX_NODES values: the counting pass, about a tenth of loading time for
# ordinary manifests (``make bench``), is skipped for it.
_SURELY_FEW_VALUES = MAX_NODES // 4


def read_file(path: Path, display: str) -> list[Document]:
    """Read every non-empty YAML document of ``path``; ``display`` names it in locations.

    Raises ``SourceError`` for a file that is too large, not UTF-8, not valid YAML, uses tags,
    nests too deeply, or expands too far through aliases.
    """
    return read_text(_read_text(path, display), display)


def read_text(text: str, display: str) -> list[Document]:
    """:func:`read_file` for text already read (``display`` names it in locations)."""
    if len(text) > _SURELY_FEW_VALUES:
        _count_values(text, display)
    try:
        nodes = list(yaml.compose_all(text, Loader=_FAST_LOADER))
    except yaml.YAMLError:
        nodes = _compose_slowly(text, display)
    builder = Builder(display)
    return [builder.document(node) for node in nodes if not _is_null(node)]


def _count_values(text: str, display: str) -> None:
    """Refuse a file of too many values before composing it (which holds them all in memory)."""
    count = 0
    try:
        for event in yaml.parse(text, Loader=_FAST_LOADER):
            count += isinstance(event, yaml.NodeEvent)  # scalars, aliases, collection starts
            if count > MAX_NODES:
                mark = event.start_mark
                where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                raise SourceError(
                    Location(display, *where),
                    f"The file holds more than {MAX_NODES} values; tavusctl refuses to read "
                    "it. Split it into smaller files.",
                )
    except yaml.YAMLError:
        return  # reported when composing, with the pure-Python parser's clearer message


def _compose_slowly(text: str, display: str) -> list[yaml.Node]:
    """Compose with the pure-Python parser, whose error messages are the clearer ones."""
    try:
        return list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, display) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, display) from None
    except RecursionError:
        raise SourceError(Location(display, 1, 1), too_deep()) from None


def _read_text(path: Path, display: str) -> str:
    data = _read_bytes(path, Location(display, 1, 1))
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise SourceError(
            _offset_location(data, exc.start, display),
            f"The file is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded. "
            "Save the file as UTF-8.",
        ) from None


def _read_bytes(path: Path, start: Location) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)  # never more, whatever the file claims
    except OSError as exc:
        raise SourceError(start, f"The file cannot be read: {exc.strerror}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(
            start,
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the most tavusctl "
            "reads in one manifest file. Split it into smaller files.",
        )
    return data


def _offset_location(data: bytes, offset: int, display: str) -> Location:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1  # characters
    return Location(display, data.count(b"\n", 0, offset) + 1, column)


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


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"
