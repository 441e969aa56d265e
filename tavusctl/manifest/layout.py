"""The canonical layout of manifest files, for ``tavusctl fmt``. Pure: text in, text out.

- keys in a fixed order: ``apiVersion, kind, metadata, spec``; in ``metadata``, ``name`` first;
  in a Persona's ``spec`` the order of the Tavus docs, as ``export`` writes it
  (the kind's ``key_order``);
- two-space indentation, list items indented under their key;
- strings that hold a line break or are longer than 80 characters as block scalars (``|``),
  unless a block scalar cannot hold them exactly (trailing spaces, some control characters),
  then they stay quoted; so do strings with trailing spaces on a line, which editors strip.

Every comment stays by the key it was written by, and no value changes: :func:`layout` checks
that the result reads back to the same values with tavusctl's own YAML reader, and that each
comment still belongs to the same key. ruamel.yaml attaches a comment line to the key *above*
it, so when moving keys would move a comment, the file keeps its key order (and is otherwise
laid out); if a comment would still be lost, fmt refuses the file.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarfloat import ScalarFloat
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tag import Tag

from tavusctl.core import pointer
from tavusctl.core.errors import ManifestError
from tavusctl.kinds import KINDS, KeyOrder
from tavusctl.manifest.from_live import BLOCK_MIN_LENGTH
from tavusctl.manifest.yamlsource import SourceError, read_text

API_VERSION = "tavusctl/v1"
ENVELOPE = ("apiVersion", "kind", "metadata", "spec")
METADATA = ("name", "environments", "labels", "annotations")
_BLOCK_STYLES = (LiteralScalarString, FoldedScalarString)
_UNPRINTABLE = re.compile(
    "[^\x09\x0a\x20-\x7e\u00a0-\ud7ff\ue000-\ufffc\U00010000-\U0010ffff]|\ufeff"
)


def is_manifest_file(docs: Sequence[Any]) -> bool:
    """Whether every document is a tavusctl manifest (others are not fmt's to touch)."""
    return bool(docs) and all(
        isinstance(d, dict) and d.get("apiVersion") == API_VERSION for d in docs
    )


def layout(text: str, display: str) -> str | None:
    """``text`` in the canonical layout, or ``None`` when it is not a tavusctl manifest file.

    Raises ``ManifestError`` (located) for YAML that cannot be read. Laid out again until
    stable (a comment that kept a key in place the first time may let it move the second).
    """
    result = _layout_once(text, display)
    for _ in range(2):
        if result is None or (again := _layout_once(result, display)) == result:
            return result
        result = again
    return result


def _layout_once(text: str, display: str) -> str | None:
    yaml = _yaml()
    try:
        docs = [d for d in yaml.load_all(text) if d is not None]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{display}:{mark.line + 1}:{mark.column + 1}" if mark else display
        raise ManifestError(f"{where}: {exc.problem or exc}. fmt changed nothing.") from None
    except (YAMLError, ValueError) as exc:  # e.g. a 1.1 sexagesimal int ruamel.yaml cannot read
        raise ManifestError(
            f"{display}: fmt cannot read this file ({exc}); it changed nothing."
        ) from None
    if not is_manifest_file(docs):
        return None
    result = _laid_out(docs, reorder=True)
    if not _comments_kept(text, result):
        # Moving a key would take a comment away from the key it sits by: keep the order.
        result = _laid_out(list(yaml.load_all(text)), reorder=False)
    _check_same_values(text, result, display)
    if not _comments_kept(text, result):
        lost = next(iter(comments(text) - comments(result)))[0]
        raise ManifestError(
            f"{display}: fmt cannot lay this file out without losing or moving the comment "
            f"{lost!r} (a YAML shape the formatter mishandles), so it left the file as it is."
        )
    return result


def _laid_out(docs: list[Any], *, reorder: bool) -> str:
    yaml = _yaml()
    docs = [d for d in docs if d is not None]
    for doc in docs:
        _arrange(doc, reorder=reorder)
    out = io.StringIO()
    yaml.dump_all(docs, out)
    return out.getvalue()


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, quotes, flow style and key order kept
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never re-wrap a line the user wrote
    yaml.preserve_quotes = True
    yaml.representer.add_representer(ScalarFloat, _float)
    yaml.Resolver = _Resolver
    return yaml


_PYYAML = pyyaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


class _Resolver(VersionedResolver):
    """Plain scalars typed as tavusctl's reader types them (PyYAML's YAML 1.1 rules, but only
    ``true``/``false`` are booleans and dates stay text), not by ruamel.yaml's YAML 1.2 rules:
    ``1e3`` is text to tavusctl and must stay text."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)
        tag: str = _PYYAML.resolve(pyyaml.ScalarNode, value, implicit)  # type: ignore[no-untyped-call]
        bool_text = tag.endswith(":bool") and value.lower() not in ("true", "false")
        if bool_text or tag.endswith(":timestamp"):
            tag = _STR
        return Tag(suffix=tag)


def _float(representer: RoundTripRepresenter, value: float) -> ScalarNode:
    """A float as Python writes it (shortest exact form), with a ``.`` before any exponent
    so that every YAML reader sees a float. ruamel.yaml's own rendering of a float read from
    the file can lose digits (``3.698845034108489e+16`` became ``...488e+16``)."""
    if value != value or value in (float("inf"), float("-inf")):
        text = ".nan" if value != value else (".inf" if value > 0 else "-.inf")
    else:
        text = repr(float(value))
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


def _arrange(doc: CommentedMap, *, reorder: bool) -> None:
    if not reorder:
        _blocks(doc)
        return
    _reorder(doc, [*[k for k in ENVELOPE if k in doc], *[k for k in doc if k not in ENVELOPE]])
    metadata = doc.get("metadata")
    if isinstance(metadata, CommentedMap):
        first = [k for k in METADATA if k in metadata]
        _reorder(metadata, [*first, *[k for k in metadata if k not in first]])
    spec, kind = doc.get("spec"), KINDS.get(str(doc.get("kind")))
    if isinstance(spec, CommentedMap) and kind is not None:
        _order_spec(spec, "", kind.key_order)
    _blocks(doc)


def _order_spec(node: CommentedMap, path: str, order: KeyOrder) -> None:
    """The kind's order (as export writes it): listed keys first, the others alphabetically."""
    first = order.at(path)
    if first is None:
        return
    head = [k for k in first if k in node]
    _reorder(node, [*head, *sorted((k for k in node if k not in head), key=str)])
    for key, value in node.items():
        if isinstance(value, CommentedMap):
            _order_spec(value, f"{path}/{pointer.escape(str(key))}", order)


def _reorder(node: CommentedMap, order: list[Any]) -> None:
    """Put the keys of ``node`` in ``order``; each key keeps the comments attached to it."""
    if list(node) != order:
        for key in order:
            node.move_to_end(key)


def _blocks(node: Any) -> None:
    """Turn long or multi-line strings into block scalars, in place, at every depth."""
    items = (
        node.items()
        if isinstance(node, CommentedMap)
        else enumerate(node)
        if isinstance(node, CommentedSeq)
        else ()
    )
    for key, value in list(items):
        if isinstance(value, CommentedMap | CommentedSeq):
            _blocks(value)
        elif _wants_block(value):
            node[key] = LiteralScalarString(value)


def _wants_block(value: Any) -> bool:
    if not isinstance(value, str) or isinstance(value, _BLOCK_STYLES):
        return False
    if any(line != line.rstrip(" \t") for line in value.split("\n")):
        return False  # editors strip trailing spaces from a block: keep it quoted, as export does
    if not value.strip() or _UNPRINTABLE.search(value):
        return False  # a block cannot escape a control character, nor hold only line breaks
    return "\n" in value or len(value) > BLOCK_MIN_LENGTH


def _check_same_values(before: str, after: str, display: str) -> None:
    old = [d.value for d in read_text(before, display)]  # read before: a SourceError is the user's
    try:
        new = [d.value for d in read_text(after, display)]
    except SourceError:
        new = None
    if old != new:
        raise ManifestError(
            f"{display}: fmt cannot lay this file out without changing a value (a YAML shape "
            "the formatter mishandles), so it left the file as it is."
        )


_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"")
_COMMENT = re.compile(r"(?:^|\s)(#.*)$")
_KEY = re.compile(r"^\s*(?:-\s+)*([^\s#:\-{\[][^:#]*?)\s*:(?:\s|$)")


def comments(text: str) -> Counter[tuple[str, str]]:
    """Each comment of ``text`` with the key it belongs to: the key on its line, else the next
    key below it (``""`` at the end). Quoted strings are not searched; a ``#`` inside block
    text counts, which errs on the side of keeping the file's order or refusing."""
    found: Counter[tuple[str, str]] = Counter()
    pending: list[str] = []
    started = False  # comments above a document's first line are the document's own
    for line in text.splitlines():
        if line.startswith("---"):
            started = False
        bare = _QUOTED.sub('""', line)
        match = _COMMENT.search(bare)
        content = bare[: match.start(1)] if match else bare
        key = _KEY.match(content)
        if match and not started and not content.strip():
            found[(match.group(1).rstrip(), "^")] += 1
            continue
        started = started or (bool(content.strip()) and not line.startswith("---"))
        if match and key:
            found[(match.group(1).rstrip(), key.group(1))] += 1
        elif match:
            pending.append(match.group(1).rstrip())
        if key:
            found.update((comment, key.group(1)) for comment in pending)
            pending = []
    found.update((comment, "") for comment in pending)
    return found


def _comments_kept(before: str, after: str) -> bool:
    return not comments(before) - comments(after)
