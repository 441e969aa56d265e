"""Check one YAML document as a tavusctl manifest and build its resource.

References are resolved first (so that the schema sees the values that will be sent), then
secrets are checked, then the schema. A reference that fails silences further checks below it.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tavusctl import kinds
from tavusctl.core import pointer, refs
from tavusctl.core.model import Location, Resource
from tavusctl.core.secrets import Scrubber, SecretRule
from tavusctl.manifest import discover, references, schema, yamlsource
from tavusctl.manifest.describe import field_name
from tavusctl.manifest.diagnostics import Diagnostic, Severity

API_VERSION = "tavusctl/v1"
ALLOW_UNKNOWN_ANNOTATION = "tavusctl.io/allow-unknown-fields"
ALLOW_DUPLICATE_ANNOTATION = "tavusctl.io/allow-duplicate-name"


@dataclass(frozen=True)
class Options:
    """How strictly to load."""

    allow_unknown_fields: bool
    allow_plaintext_secrets: bool
    environ: Mapping[str, str]
    seen: Scrubber  # secret values read go here, so that no output can echo them
    unset_secrets: set[str] | None = None  # offline: unset secret variables are noted here
    environment: str | None = None  # the selected environment (metadata.environments, ${var:})
    variables: Mapping[str, object] | None = None  # its vars; None when none is selected
    variables_file: str = "tavusctl.yaml"
    budget: references.Budget = dataclasses.field(default_factory=references.Budget)  # per load
    fast_schema: bool = False  # many documents: the compiled validator first (schema.check)
    locations: bool = True  # give each resource the map of where each spec key was written


@dataclass(frozen=True)
class Loaded:
    """What one document gave: its resource if it is valid, its problems, and its identity."""

    resource: Resource | None
    diagnostics: list[Diagnostic]
    identity: tuple[str, Location] | None = None  # (kind/name, where the name is written)
    refs: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class Reference:
    """A ``${ref:Kind/name}`` in a spec: the field it is in, the key it names, where."""

    field: str
    key: str
    location: Location


class DocumentLoader:
    """Checks one YAML document and builds its resource."""

    def __init__(self, doc: yamlsource.Document, source: discover.SourceFile, opts: Options):
        self.doc, self.source, self.options = doc, source, opts
        self.found: list[Diagnostic] = []
        self.secrets: dict[str, str | None] = {}
        self.failed: list[str] = []  # references that failed: no further checks below them
        self.refs: list[Reference] = []

    def load(self) -> Loaded:
        """Check the document; its resource, if it is a manifest, and every problem found."""
        value = self.doc.value
        if not self._is_manifest(value):
            return Loaded(None, self.found)
        self.is_secret: SecretRule = kinds.of(value["kind"]).secrets
        if not self._applies(value):
            return Loaded(None, self.found)
        allow_unknown = self.options.allow_unknown_fields or _annotated(value)
        if isinstance(value.get("spec"), dict):
            value = {**value, "spec": self._resolve(value["spec"], "/spec")}
            self._check_secrets(value["spec"])
            for path in _urls_with_passwords(value["spec"], self.is_secret):
                self._add("/spec" + path, "error", _password_in_url(path))
            for path in _non_finite(value["spec"], "/spec"):
                self._add(path, "error", _not_a_number(path))
        checked = schema.check(
            value, allow_unknown_fields=allow_unknown, fast=self.options.fast_schema
        )
        for finding in checked:
            if not any(_under(finding.path, p) for p in self.failed):
                self._add(finding.path, finding.severity, finding.message, finding.at_key)
        resource = self._resource(value, allow_unknown)
        identity = (resource.key, self.doc.value_location("/metadata/name")) if resource else None
        valid = not any(d.severity == "error" for d in self.found)
        return Loaded(resource if valid else None, self.found, identity, tuple(self.refs))

    def _add(self, path: str, severity: Severity, message: str, at_key: bool = False) -> None:
        where = self.doc.key_location(path) if at_key else self.doc.value_location(path)
        self.found.append(Diagnostic(where, severity, message))

    def _is_manifest(self, value: object) -> bool:
        """Whether this is a tavusctl manifest at all (else one error, no further checks)."""
        if not isinstance(value, dict):
            problem = "it is not a mapping"
        elif value.get("apiVersion") != API_VERSION:
            found = value.get("apiVersion")
            problem = (
                f"apiVersion is '{found}'" if "apiVersion" in value else "apiVersion is missing"
            )
        elif value.get("kind") not in kinds.KINDS:
            return self._bad_kind(value)
        else:
            return True
        self._add(
            "",
            "error",
            f"This document is not a tavusctl manifest: {problem}. "
            f"A manifest starts with apiVersion: {API_VERSION} and kind: {kinds.PERSONA.name}.",
        )
        return False

    def _applies(self, value: dict[str, object]) -> bool:
        """Whether the manifest applies to the selected environment (metadata.environments)."""
        metadata = value.get("metadata")
        wanted = metadata.get("environments") if isinstance(metadata, dict) else None
        env = self.options.environment
        if not isinstance(wanted, list) or env is None:
            return True
        return env in wanted

    def _bad_kind(self, value: dict[str, object]) -> bool:
        kind = value.get("kind")
        path = "/kind" if "kind" in value else ""
        shown = f"'{kind}'" if "kind" in value else "missing"
        self._add(
            path, "error", f"kind is {shown}; tavusctl manages kind: {', '.join(kinds.KINDS)}."
        )
        return False

    def _resolve(self, node: object, path: str) -> object:
        """``node`` with every reference in its strings resolved; problems are recorded."""
        if isinstance(node, dict):
            for key in node:
                if references.has_reference(str(key)):
                    self._reference_in_key(f"{path}/{pointer.escape(str(key))}")
            return {k: self._resolve(v, f"{path}/{pointer.escape(k)}") for k, v in node.items()}
        if isinstance(node, list):
            return [self._resolve(v, f"{path}/{i}") for i, v in enumerate(node)]
        if isinstance(node, str) and references.has_reference(node):
            return self._resolve_string(node, path)
        return node

    def _reference_in_key(self, path: str) -> None:
        self.failed.append(path)
        self._add(
            path,
            "error",
            f"The key of {field_name(pointer.split(path))} holds a reference; references are "
            "resolved in values only, so it would be sent as written. Write the key out.",
            at_key=True,
        )

    def _resolve_string(self, text: str, path: str) -> object:
        key = refs.key_of(text)
        if key is not None or refs.mentions(text):
            return self._reference(text, key, path)
        spec_path = path.removeprefix("/spec")
        ctx = references.Context(
            root=self.source.root,
            folder=self.source.path.parent,
            environ=self.options.environ,
            field=field_name(pointer.split(path)),
            secret=self.is_secret(spec_path),
            seen=self.options.seen,
            unset_secrets=self.options.unset_secrets,
            variables=self.options.variables,
            environment=self.options.environment,
            variables_file=self.options.variables_file,
            budget=self.options.budget,
        )
        try:
            value, env_names = references.resolve_value(text, ctx)
        except references.ReferenceProblem as problem:
            self.failed.append(path)
            self._add(path, "error", str(problem))
            return text
        if env_names and ctx.secret:
            self.secrets[spec_path] = env_names[0]
        return value

    def _reference(self, text: str, key: str | None, path: str) -> str:
        """A ``${ref:Kind/name}`` stays as written (the planner resolves it); recorded."""
        field = field_name(pointer.split(path))
        kind = key.split("/", 1)[0] if key else ""
        if key is None:
            problem = (
                f"{field} contains a reference inside other text ('{text}'). A "
                '${ref:Kind/name} must be the whole value, such as "${ref:Guardrail/no-pii}".'
            )
        elif kind not in kinds.KINDS:
            problem = (
                f"{field} refers to '{text}', but '{kind}' is not a kind tavusctl manages "
                f"({', '.join(kinds.KINDS)})."
            )
        else:
            self.refs.append(Reference(field, key, self.doc.value_location(path)))
            return text
        self.failed.append(path)
        self._add(path, "error", problem)
        return text

    def _check_secrets(self, spec: dict[str, object]) -> None:
        """A secret written in the manifest itself is an error unless explicitly allowed."""
        for spec_path in _secret_strings(spec, self.is_secret):
            path = "/spec" + spec_path
            if spec_path in self.secrets or path in self.failed:
                continue
            if self.options.allow_plaintext_secrets:
                self.secrets[spec_path] = None
                self.options.seen.add(pointer.resolve(spec, spec_path))
                continue
            self._add(path, "error", _literal_secret(path))

    def _resource(self, value: dict[str, Any], allow_unknown: bool) -> Resource | None:
        name = (
            value.get("metadata", {}).get("name")
            if isinstance(value.get("metadata"), dict)
            else None
        )
        if not isinstance(name, str) or not isinstance(value.get("spec"), dict):
            return None
        kind = kinds.of(value["kind"])
        spec, aliased = kind.in_own_words(value["spec"])
        locations = _spec_locations(self.doc) if self.options.locations else {}
        for alias in aliased if self.options.locations else ():  # the line it was written on
            locations.setdefault(
                kind.aliases[alias], locations.get(alias, self.doc.value_location(""))
            )
        return Resource(
            kind=value["kind"],
            name=name,
            spec=spec,
            location=self.doc.value_location(""),
            locations=locations,
            secrets=dict(self.secrets),
            allow_unknown_fields=allow_unknown,
            allow_duplicate_name=_annotated(value, ALLOW_DUPLICATE_ANNOTATION),
        )


def _annotated(value: dict[str, object], annotation: str = ALLOW_UNKNOWN_ANNOTATION) -> bool:
    metadata = value.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return isinstance(annotations, dict) and annotations.get(annotation) == "true"


def _non_finite(node: object, path: str) -> Iterator[str]:
    """Pointers of ``.nan`` and ``.inf`` numbers: YAML has them, JSON (the API) does not."""
    for where, value in pointer.leaves(node, path, lists=True):
        if isinstance(value, float) and not math.isfinite(value):
            yield where


def _not_a_number(path: str) -> str:
    return (
        f"{field_name(pointer.split(path))} is not a finite number (.nan or .inf), "
        "which the Tavus API cannot receive. Write a number, or quote it to send a string."
    )


def _secret_strings(spec: object, is_secret: SecretRule) -> Iterator[str]:
    """Pointers (relative to spec) of non-empty strings in secret fields."""
    for where, value in pointer.leaves(spec, lists=True):
        if isinstance(value, str) and value and is_secret(where):
            yield where


# scheme://user:password@host: a credential in a field that is shown and stored in clear.
_PASSWORD_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s]*:[^/?#@\s]*@")


def _urls_with_passwords(spec: Any, is_secret: SecretRule) -> Iterator[str]:
    """Pointers of strings outside secret fields that hold a URL with a password."""
    for where, value in pointer.leaves(spec, lists=True):
        if isinstance(value, str) and not is_secret(where) and _PASSWORD_URL.search(value):
            yield where


def _password_in_url(path: str) -> str:
    return (
        f"{field_name(pointer.split('/spec' + path))} holds a URL with a password in it; this "
        "field is shown in plans and stored in the lockfile in clear. Put the credential in a "
        "secret field instead (the LLM layer's api_key, or a header such as Authorization: "
        "Bearer ${env:NAME}) and keep the URL without it."
    )


def _literal_secret(path: str) -> str:
    field = field_name(pointer.split(path))
    return (
        f"{field} is a secret written in the manifest. Read it from the environment instead "
        f"({pointer.split(path)[-1]}: ${{env:NAME}}), or pass --allow-plaintext-secrets."
    )


def _spec_locations(doc: yamlsource.Document) -> dict[str, Location]:
    return {
        path.removeprefix("/spec"): location
        for path, location in doc.keys.items()
        if path == "/spec" or path.startswith("/spec/")
    }


def _under(path: str, parent: str) -> bool:
    return pointer.within(path, parent)
