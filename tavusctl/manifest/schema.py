"""Check one manifest document against the JSON Schemas, in words a user can act on.

jsonschema finds the problems; this module turns each into a whole sentence that names the
field (``spec.layers.llm.model``), says what is allowed, and suggests the nearest valid key for a
misspelt one. It also reports legacy fields (``deprecationMessage`` in the schema) and string
booleans as warnings. Pure: plain data in, findings out.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from tavusctl.core import pointer
from tavusctl.kinds import KINDS, PERSONA
from tavusctl.manifest import enums
from tavusctl.manifest.describe import a_type, describe, field_name

Severity = Literal["error", "warning"]
SPEC_SCHEMA = PERSONA.spec_schema or ""
MANIFEST_SCHEMA = "manifest.schema.json"
READ_ONLY = frozenset().union(*(kind.server_owned for kind in KINDS.values()))
OPT_OUT = (
    "If Tavus added this field after this tavusctl was released, set the annotation "
    'tavusctl.io/allow-unknown-fields: "true" or pass --allow-unknown-fields.'
)


@dataclass(frozen=True)
class Finding:
    """A problem at ``path`` (JSON Pointer in the document); ``at_key`` points at its key."""

    path: str
    severity: Severity
    message: str
    at_key: bool = False


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One of the bundled JSON Schemas, parsed (shared: do not modify)."""
    text = (
        resources.files("tavusctl").joinpath("schemas").joinpath(name).read_text(encoding="utf-8")
    )
    schema: dict[str, object] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    names = (MANIFEST_SCHEMA, *sorted({k.spec_schema for k in KINDS.values() if k.spec_schema}))
    schemas = [load_schema(name) for name in names]
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas
    )
    return Draft202012Validator(schemas[0], registry=registry)


# Compiling the fast validator costs ~0.15 s (fastjsonschema generates Python code for the
# schemas); it pays for itself from a few hundred documents: below this many, jsonschema alone.
FAST_FROM = 300


@cache
def _fast() -> Callable[[object], object]:
    """The manifest schema compiled to Python once (fastjsonschema): ~10x faster than
    jsonschema on a valid document. It only says valid or not; jsonschema words the errors."""
    import fastjsonschema

    names = (MANIFEST_SCHEMA, *sorted({k.spec_schema for k in KINDS.values() if k.spec_schema}))
    by_id = {load_schema(name)["$id"]: load_schema(name) for name in names}
    validate: Callable[[object], object] = fastjsonschema.compile(
        load_schema(MANIFEST_SCHEMA), handlers={"https": by_id.__getitem__}
    )
    return validate


def _valid(doc: dict[str, object]) -> bool:
    """Whether the compiled validator finds ``doc`` valid (else jsonschema finds out why)."""
    import fastjsonschema

    try:
        _fast()(doc)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def check(
    doc: dict[str, object], *, allow_unknown_fields: bool = False, fast: bool = False
) -> list[Finding]:
    """Every schema problem and deprecation in one manifest document.

    ``fast`` (many documents to check): a document the compiled validator finds valid has no
    schema problem, and jsonschema runs only on the others, so that the findings, and their
    words, are jsonschema's in every case.
    """
    spec_name = _spec_schema(doc.get("kind"))
    findings: list[Finding] = []
    errors = () if fast and _valid(doc) else _validator().iter_errors(doc)
    for error in errors:
        findings.extend(_translate(error, allow_unknown_fields, spec_name))
    spec = doc.get("spec")
    if isinstance(spec, dict):
        findings.extend(_deprecations(spec, load_schema(spec_name), "/spec", spec_name))
        findings.extend(_mode_rules(spec))
        named = doc.get("kind")
        kind = KINDS.get(named) if isinstance(named, str) else None
        for path, message in kind.rules(spec) if kind and kind.rules else ():
            findings.append(Finding(f"/spec{path}", "error", message))
    return findings


def _spec_schema(kind: Any) -> str:
    """The spec schema of the manifest's kind (the persona's for an unknown kind)."""
    found = KINDS.get(kind) if isinstance(kind, str) else None
    return (found.spec_schema if found else None) or SPEC_SCHEMA


NO_PROMPT_MODES = ("speech-to-speech", "echo")


def _mode_rules(spec: dict[str, object]) -> Iterator[Finding]:
    """system_prompt and context are not allowed with pipeline_mode speech-to-speech or echo
    (the vendor's 2026 model refuses them: no LLM reads them)."""
    mode = spec.get("pipeline_mode")
    if mode not in NO_PROMPT_MODES:
        return
    for key in ("system_prompt", "context"):
        if key in spec:
            yield Finding(
                f"/spec/{key}",
                "error",
                f"spec.{key} is not allowed with pipeline_mode {mode}: Tavus refuses it, "
                f"because no Tavus LLM reads it in that mode. Remove {key}, or set "
                "pipeline_mode: full.",
                at_key=True,
            )


@dataclass(frozen=True)
class _Error:
    """The parts of a jsonschema ``ValidationError`` that the messages use, plainly typed."""

    tokens: list[Any]
    keyword: str
    instance: Any
    rule: Any
    schema: dict[str, Any]
    message: str

    @classmethod
    def of(cls, error: ValidationError) -> _Error:
        schema = error.schema if isinstance(error.schema, dict) else {}
        keyword = str(error.validator)
        return cls(
            list(error.absolute_path),
            keyword,
            error.instance,
            error.validator_value,
            schema,
            error.message,
        )


def translate(raw: ValidationError) -> Iterator[Finding]:
    """One jsonschema error of any bundled schema (the project file's too), as findings."""
    return _translate(raw, False, SPEC_SCHEMA)


def _translate(raw: ValidationError, allow_unknown: bool, spec_name: str) -> Iterator[Finding]:
    error = _Error.of(raw)
    tokens = error.tokens
    path = pointer.join(tokens)
    if error.keyword == "additionalProperties":
        allowed = allow_unknown and tokens[:1] == ["spec"]
        yield from _unknown_fields(error, tokens, allowed, spec_name)
    elif error.keyword == "required":
        yield from _missing(error, tokens)
    elif (
        error.keyword == "type" and error.rule == "boolean" and error.instance in ("true", "false")
    ):
        yield Finding(path, "warning", _string_boolean(tokens, error.instance))
    elif _growing_enum(error, tokens):
        verdict = enums.judge(field_name(tokens), error.instance, error.rule)
        yield Finding(path, verdict.severity, verdict.message)
    else:
        yield Finding(path, "error", _value_message(error, tokens))


def _growing_enum(error: _Error, tokens: list[object]) -> bool:
    """A string outside a spec field's list of string values: Tavus may have added it."""
    return (
        error.keyword == "enum"
        and tokens[:1] == ["spec"]
        and isinstance(error.instance, str)
        and all(isinstance(v, str) for v in error.rule)
    )


def _unknown_fields(
    error: _Error, tokens: list[Any], allowed: bool, spec_name: str
) -> Iterator[Finding]:
    """Unknown keys; with ``allowed`` only the fields Tavus sets (never sent on create)."""
    known = sorted(error.schema.get("properties", {}))
    unknown = set(error.instance) - set(known)
    if allowed:
        unknown &= set(READ_ONLY) if tokens == ["spec"] else set()
    for key in sorted(unknown):
        path = pointer.join([*tokens, key])
        message = _unknown_message(key, tokens, known, spec_name)
        yield Finding(path, "error", message, at_key=True)


def _unknown_message(key: str, tokens: list[Any], known: list[str], spec_name: str) -> str:
    where = field_name(tokens) or "the manifest"
    if tokens == ["spec"] and key in READ_ONLY:
        return (
            f"{key} is set by Tavus and cannot be written in spec. Remove it; tavusctl keeps "
            "the persona id in tavus.lock (tavusctl import adopts an existing persona; "
            "tavusctl export writes manifests without the fields Tavus sets)."
        )
    elsewhere = _field_index(spec_name).get(key)
    if tokens[:1] == ["spec"] and elsewhere:
        return f"Unknown field '{key}' in {where}; it belongs in {' or '.join(elsewhere)}."
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"Unknown field '{key}' in {where}. Did you mean '{close[0]}'?"
    message = f"Unknown field '{key}' in {where}. Valid fields here: {', '.join(known)}."
    return f"{message} {OPT_OUT}" if tokens[:1] == ["spec"] else message


@cache
def _field_index(spec_name: str) -> dict[str, list[str]]:
    """Where each spec field name is valid (objects only, not inside lists): for misplaced keys."""
    index: dict[str, list[str]] = {}
    pending: list[tuple[str, dict[str, Any], str]] = [("spec", load_schema(spec_name), spec_name)]
    while pending:
        where, node, base = pending.pop()
        node, base = _deref(node, base)
        for key, sub in node.get("properties", {}).items():
            if sub.get("deprecated"):
                continue  # never suggest a legacy place
            index.setdefault(key, []).append(where)
            pending.append((f"{where}.{key}", sub, base))
    return {key: sorted(places) for key, places in index.items()}


def _missing(error: _Error, tokens: list[Any]) -> Iterator[Finding]:
    where = field_name(tokens) or "The manifest"
    for name in error.rule:
        if name not in error.instance:
            yield Finding(pointer.join(tokens), "error", _missing_message(where, name), True)


def _missing_message(where: str, name: str) -> str:
    if name == "system_prompt":
        return (
            f"{where} has no system_prompt, which Tavus requires unless pipeline_mode is "
            "speech-to-speech or echo. Add system_prompt (for example "
            "${file:prompts/persona.md}) or set pipeline_mode: speech-to-speech or echo."
        )
    return f"{where} is missing the required field '{name}'. Add it."


def _string_boolean(tokens: list[Any], value: str) -> str:
    return (
        f'{field_name(tokens)} is the string "{value}"; write {value} without quotes. Tavus '
        "accepts both, so tavusctl sends the value as written."
    )


def _value_message(error: _Error, tokens: list[Any]) -> str:
    field, value, rule, keyword = field_name(tokens), error.instance, error.rule, error.keyword
    if keyword == "type":
        return f"{field} must be {a_type(rule)}, not {describe(value)}."
    if keyword in ("enum", "const"):
        return _enum_message(field, value, rule if keyword == "enum" else [rule])
    if keyword == "pattern":
        return _pattern_message(field, value, error.schema)
    if keyword == "maxItems":
        return f"{field} has {len(value)} items; at most {rule} are allowed. Remove some."
    if keyword in ("minimum", "maximum"):
        bound = "at least" if keyword == "minimum" else "at most"
        return f"{field} is {value}; it must be {bound} {rule}."
    if keyword == "maxLength":
        return f"{field} is longer than {rule} characters. Shorten it."
    return f"{field} is invalid: {error.message}."


def _enum_message(field: str, value: object, allowed: list[object]) -> str:
    names = [str(v) for v in allowed]
    if isinstance(value, bool) and str(value).lower() in names:
        return f'{field} must be a string: write "{str(value).lower()}" in quotes.'
    message = f"{field} is {describe(value)}, which is not allowed. Allowed: {', '.join(names)}."
    close = difflib.get_close_matches(str(value), names, n=1, cutoff=0.6)
    return f"{message} Did you mean '{close[0]}'?" if close else message


def _pattern_message(field: str, value: Any, schema: dict[str, Any]) -> str:
    if field == "metadata.name":
        return (
            f"metadata.name '{value}' is not a valid name: use lowercase letters, digits and "
            "'-', starting and ending with a letter or digit (for example interviewer)."
        )
    title = schema.get("title", "value")
    example = schema.get("examples", [None])[0]
    hint = f" (for example {example})" if example else ""
    return f"{field} '{value}' is not a valid {title}: it must match {schema['pattern']}{hint}."


def _deprecations(doc: Any, schema: dict[str, Any], path: str, base: str) -> Iterator[Finding]:
    """Warn for every legacy field present (the spec schema marks them ``deprecated``)."""
    schema, base = _deref(schema, base)
    if isinstance(doc, dict):
        props = schema.get("properties", {})
        for key, value in doc.items():
            sub = props.get(key, {})
            child = f"{path}/{pointer.escape(key)}"
            if "deprecationMessage" in sub:
                yield Finding(child, "warning", f"Legacy field: {sub['deprecationMessage']}", True)
            yield from _deprecations(value, sub, child, base)
    elif isinstance(doc, list) and "items" in schema:
        for index, item in enumerate(doc):
            yield from _deprecations(item, schema["items"], f"{path}/{index}", base)


def _deref(schema: dict[str, Any], base: str) -> tuple[dict[str, Any], str]:
    """Follow ``$ref`` within the bundled schemas (``#/$defs/x`` in ``base``, or
    ``other.schema.json#/...``); the schema found and the file it is in."""
    while isinstance(schema.get("$ref"), str):
        target, _, fragment = schema["$ref"].partition("#")
        found = pointer.get(load_schema(target or base), fragment, None)
        if not isinstance(found, dict):
            break
        schema, base = found, target or base
    return schema, base
