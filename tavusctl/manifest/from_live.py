"""Turn a live persona into a clean manifest: pure functions, no I/O.

The manifest keeps the persona body field for field (so Tavus documentation applies), drops what
the server owns, replaces every secret by an ``${env:…}`` reference and orders keys as the Tavus
docs do, so that an exported file reads like a hand-written one and diffs stay quiet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from tavusctl.core import display, pointer, refs
from tavusctl.core.secrets import hash_secret, is_masked
from tavusctl.core.timestamps import parse_time
from tavusctl.kinds import PERSONA, KeyOrder, Kind
from tavusctl.manifest.document import ALLOW_UNKNOWN_ANNOTATION
from tavusctl.manifest.schema import check

API_VERSION = "tavusctl/v1"
SCHEMA_ID = "https://tavusctl.dev/schemas/v1/manifest.schema.json"  # the schema's $id
BLOCK_MIN_LENGTH = 80  # longer one-line strings are written as block scalars too


def spec_of(live: Mapping[str, object], kind: Kind = PERSONA) -> dict[str, object]:
    """The user-owned part of a live object (a copy): server-owned fields dropped, keys in the
    kind's order (see :class:`~tavusctl.kinds.KeyOrder`)."""
    spec = {k: _copy(v) for k, v in live.items() if k not in kind.server_owned}
    return _ordered(spec, "", kind.key_order)


def _ordered(doc: Mapping[str, object], path: str, order: KeyOrder) -> dict[str, object]:
    first = order.at(path) or ()
    head = [k for k in first if k in doc]
    out = {k: doc[k] for k in [*head, *sorted(k for k in doc if k not in head)]}
    for key, value in out.items():
        inner = f"{path}/{pointer.escape(key)}"
        if isinstance(value, Mapping) and order.at(inner) is not None:
            out[key] = _ordered(value, inner, order)
    return out


def env_var(name: str, path: str) -> str:
    """The variable an exported secret is read from: ``interviewer`` + ``/layers/llm/api_key``
    → ``INTERVIEWER_LLM_API_KEY``."""
    tokens = pointer.split(path)
    if tokens[:1] == ["layers"]:
        tokens = tokens[1:]
    raw = "_".join([name, *tokens]).upper()
    return re.sub(r"_+", "_", re.sub(r"[^A-Z0-9]", "_", raw)).strip("_")


def to_manifest(
    name: str,
    live: Mapping[str, object],
    schema: str | None = SCHEMA_ID,
    kind: Kind = PERSONA,
    managed: Mapping[str, str] | None = None,
) -> tuple[str, list[str]]:
    """The manifest text for ``live`` under ``metadata.name`` ``name``, and notes for the user.

    Secrets become ``${env:…}`` references; the notes name each variable to set. A value that
    is the id of a managed (or exported) object, by ``managed`` (id -> ``Kind/name``), becomes
    ``${ref:Kind/name}``. ``schema`` is where the first-line comment points editors (a path
    relative to the file, ideally); with ``None`` there is no such comment, and a note says how
    to get one.
    """
    spec = _referring(_escaped(spec_of(live, kind)), managed or {})
    notes = _refer_to_secrets(name, spec, kind)
    metadata: dict[str, object] = {"name": name}
    unknown = unknown_fields(spec, kind)
    if unknown:
        metadata["annotations"] = {ALLOW_UNKNOWN_ANNOTATION: "true"}
        notes.append(
            f"Fields this tavusctl does not know were kept as they are ({', '.join(unknown)}); "
            f"the manifest allows them with the {ALLOW_UNKNOWN_ANNOTATION} annotation."
        )
    document = {"apiVersion": API_VERSION, "kind": kind.name, "metadata": metadata, "spec": spec}
    if schema is None:
        notes.append(
            "No schemas/ folder in this project, so the manifest has no $schema comment: run "
            "`tavusctl schema --write schemas` at the project root for editor completion."
        )
    return _header(live, schema, kind) + dump_yaml(document), notes


def _refer_to_secrets(name: str, spec: dict[str, object], kind: Kind) -> list[str]:
    """Replace each secret value of ``spec`` by an ``${env:…}`` reference; a note for each."""
    notes = []
    for path in list(kind.secrets.paths(spec)):
        value = pointer.resolve(spec, path)
        if value is not None:
            var = env_var(name, path)
            _set(spec, path, f"${{env:{var}}}")
            notes.append(_secret_note(var, path, masked=is_masked(value)))
    return notes


def unknown_fields(spec: Mapping[str, object], kind: Kind = PERSONA) -> list[str]:
    """Dotted names of the fields of ``spec`` that the kind's schema does not know."""
    envelope = {"apiVersion": API_VERSION, "kind": kind.name, "metadata": {"name": "x"}}
    findings = check({**envelope, "spec": dict(spec)})
    paths = [f.path for f in findings if f.at_key and f.path.startswith("/spec/")]
    return [".".join(pointer.split(p)[1:]) for p in paths]


def _referring(spec: Any, managed: Mapping[str, str]) -> Any:
    """``spec`` with each string that is the id of a managed object written as a reference."""
    return pointer.map_leaves(
        spec,
        lambda _, value: (
            refs.written(managed[value]) if isinstance(value, str) and value in managed else value
        ),
    )


def _escaped(doc: object) -> Any:
    """``doc`` with every literal ``${`` in a string written ``$${``, so the loader does not
    read it as a reference."""
    return pointer.map_leaves(
        doc, lambda _, value: value.replace("${", "$${") if isinstance(value, str) else value
    )


def _secret_note(var: str, path: str, *, masked: bool) -> str:
    field = ".".join(pointer.split(path))
    if masked:
        return (
            f"Set {var} to the secret for {field}: the API returned it masked, so it is not "
            "recorded as applied and the next plan will set it on the persona."
        )
    return f"Set {var} to the current value of {field} before plan or apply."


def _header(live: Mapping[str, object], schema: str | None, kind: Kind) -> str:
    # The id comes from the API: data, never YAML syntax. A line break in it (\n, \r, \x85,
    # \u2028) would end the comment and start a document of the server's choosing.
    object_id = display.one_line(str(live.get(kind.id_field, "?")))
    origin = f"# Exported by tavusctl from {kind.noun} {object_id}.\n"
    return (f"# yaml-language-server: $schema={schema}\n" if schema else "") + origin


def _child(node: Any, token: str) -> Any:
    return node[int(token)] if isinstance(node, list) else node[token]


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = pointer.split(path)
    node: Any = doc
    for token in parents:
        node = _child(node, token)
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def applied_from_live(
    spec: Mapping[str, object], salt: str, kind: Kind = PERSONA
) -> tuple[dict[str, Any], list[str]]:
    """What the lockfile records for an exported or imported ``spec`` (secrets in clear).

    Clear secrets are hashed with the lock ``salt``; masked ones are left out (we do not know
    them), and their pointers are returned so the caller can say the next plan will set them.
    """
    applied = _copy(spec)
    masked = []
    for path in list(kind.secrets.paths(applied)):
        value = pointer.resolve(applied, path)
        if is_masked(value):
            masked.append(path)
            _delete(applied, path)
        elif value is not None:
            _set(applied, path, hash_secret(value, salt))
    return applied, masked


def _delete(doc: dict[str, Any], path: str) -> None:
    """Delete ``path``, and the parents its deletion left empty (they were not ours either)."""
    *parents, last = pointer.split(path)
    nodes: list[Any] = [doc]
    for token in parents:
        nodes.append(_child(nodes[-1], token))
    if isinstance(nodes[-1], list):  # a secret list item: keep the list's length
        nodes[-1][int(last)] = None
        return
    del nodes[-1][last]
    for node, token in zip(reversed(nodes[:-1]), reversed(parents), strict=True):
        if isinstance(node, list) or _child(node, token):
            break  # items of a list stay: removing one would shift the others
        del node[token]


def _copy(doc: object) -> Any:
    return pointer.map_leaves(doc, lambda _, value: value)


def slugify(text: str) -> str:
    """A manifest name from a display name: ``"AI Interviewer (v2)"`` → ``ai-interviewer-v2``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:63].strip("-")


def unique_names(
    objects: Iterable[Mapping[str, Any]], taken: Iterable[str], kind: Kind = PERSONA
) -> dict[str, str]:
    """A distinct manifest name for each persona (by id), avoiding ``taken``.

    Older personas get the plain name, later ones ``-2``, ``-3``…, so the result is stable.
    """
    used = set(taken)
    names = {}
    ids = kind.id_field
    for live in sorted(objects, key=lambda o: _age(o, kind)):
        base = slugify(str(live.get(kind.name_field) or "")) or slugify(live[ids])
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        names[live[ids]] = name
    return names


_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


def _age(live: Mapping[str, object], kind: Kind) -> tuple[datetime, str]:
    """Oldest first by creation time as parsed (the API writes it in three forms; as text,
    ``…19.990Z`` sorts after ``…19.990123Z``), then by id."""
    return parse_time(live.get(kind.created_field)) or _EPOCH, str(live[kind.id_field])


def dump_yaml(document: Mapping[str, object]) -> str:
    """YAML in the order given, long or multi-line strings as ``|`` block scalars."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)  # indent list items under their key

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        block = "\n" in value or len(value) > BLOCK_MIN_LENGTH
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if block else None)

    Dumper.add_representer(str, represent_str)
    return yaml.dump(
        document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
