"""Load manifests: files and folders of YAML → desired resources, with source locations.

Every problem becomes a ``Diagnostic`` (file, line, column, whole-sentence message); loading
goes on after a problem so that one run reports them all.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tavusctl.core.errors import ManifestError
from tavusctl.core.model import Location, Resource
from tavusctl.core.secrets import Scrubber
from tavusctl.manifest import discover, schema, yamlsource
from tavusctl.manifest.diagnostics import Diagnostic
from tavusctl.manifest.document import DocumentLoader, Loaded, Options, Reference
from tavusctl.manifest.project import Environment

__all__ = ["Diagnostic", "LoadResult", "Options", "load", "load_or_raise"]


@dataclass(frozen=True)
class LoadResult:
    """The resources that loaded cleanly, and every problem found (sorted by location)."""

    resources: tuple[Resource, ...]
    diagnostics: tuple[Diagnostic, ...]
    unset_secrets: tuple[str, ...] = ()  # with offline_secrets: secret variables not set

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """Diagnostics that make the manifests invalid."""
        return tuple(d for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """Diagnostics that are worth fixing but do not fail (unless ``--strict``)."""
        return tuple(d for d in self.diagnostics if d.severity == "warning")


def load(
    paths: Sequence[Path],
    *,
    allow_unknown_fields: bool = False,
    allow_plaintext_secrets: bool = False,
    environ: Mapping[str, str] = os.environ,
    scrubber: Scrubber | None = None,
    offline_secrets: bool = False,
    environment: Environment | None = None,
    project_file: str = "tavusctl.yaml",
    locations: bool = True,
) -> LoadResult:
    """Load and check every manifest under ``paths`` (default ``.``); never raises for content.

    Every secret value read is added to ``scrubber``. With ``offline_secrets`` (validate), a
    secret field reading an unset variable is no error: it is listed in ``unset_secrets`` (a
    fork's pull request has no secrets). ``environment`` (from the project file) gives
    ``${var:}`` its values and skips manifests whose ``metadata.environments`` leave it out.
    Raises ``ManifestError`` only when a path does not exist or a folder holds no manifests.
    Without ``locations`` the resources carry no map of where each spec key was written (a
    Location per key: most of a persona's memory once loaded).
    """
    seen = Scrubber() if scrubber is None else scrubber
    unset: set[str] | None = set() if offline_secrets else None
    sources = discover.find(paths or [Path(".")])
    options = Options(
        allow_unknown_fields,
        allow_plaintext_secrets,
        environ,
        seen,
        unset,
        environment=environment.name if environment else None,
        variables=environment.vars if environment else None,
        variables_file=project_file,
        fast_schema=len(sources) >= schema.FAST_FROM,
        locations=locations,
    )
    loaded = [item for source in sources for item in _load_file(source, options)]
    diagnostics = [d for item in loaded for d in item.diagnostics]
    diagnostics.extend(_duplicates(loaded))
    diagnostics.extend(_references(loaded))
    resources = tuple(item.resource for item in loaded if item.resource is not None)
    if any(d.severity == "error" for d in diagnostics):
        resources = tuple(r for r in resources if r.name not in _duplicate_names(loaded))
    return LoadResult(resources, tuple(sorted(diagnostics)), tuple(sorted(unset or ())))


def load_or_raise(paths: Sequence[Path], **options: Any) -> LoadResult:
    """Like :func:`load`, but raise ``ManifestError`` listing every error, one per line."""
    result = load(paths, **options)
    if result.errors:
        raise ManifestError("\n".join(str(d) for d in result.errors))
    return result


def _load_file(source: discover.SourceFile, options: Options) -> Iterator[Loaded]:
    try:
        documents = yamlsource.read_file(source.path, source.display)
    except yamlsource.SourceError as exc:
        yield Loaded(None, [Diagnostic(exc.location, "error", exc.message)])
        return
    if not documents:
        message = "The file is empty: it holds no YAML document. Add a manifest or remove the file."
        yield Loaded(None, [Diagnostic(Location(source.display, 1, 1), "error", message)])
    for document in documents:
        yield DocumentLoader(document, source, options).load()


def _duplicates(loaded: Sequence[Loaded]) -> Iterator[Diagnostic]:
    """An error at every repeated kind/name, naming where it was first defined."""
    first: dict[str, Location] = {}
    for key, location in (item.identity for item in loaded if item.identity):
        if key in first:
            kind, name = key.split("/", 1)
            yield Diagnostic(
                location,
                "error",
                f"metadata.name '{name}' is already used by the {kind} at {first[key]}; "
                "names must be unique per kind. Rename one of them.",
            )
        else:
            first[key] = location


def _references(loaded: Sequence[Loaded]) -> Iterator[Diagnostic]:
    """An error at every reference to a resource no manifest declares (with a did-you-mean),
    and at the first reference of every cycle of references."""
    declared = sorted({item.identity[0] for item in loaded if item.identity})
    graph: dict[str, list[Reference]] = {}
    for item in loaded:
        for ref in item.refs:
            if ref.key in declared and item.identity is not None:
                graph.setdefault(item.identity[0], []).append(ref)
            else:
                yield Diagnostic(ref.location, "error", _undeclared(ref, declared))
    yield from _cycles(graph)


def _undeclared(ref: Reference, declared: list[str]) -> str:
    message = f"{ref.field} refers to {ref.key}, but no manifest declares it."
    close = difflib.get_close_matches(ref.key, declared, n=1, cutoff=0.6)
    if close:
        return f"{message} Did you mean {close[0]}?"
    kind, name = ref.key.split("/", 1)
    return (
        f"{message} Add a manifest with kind: {kind} and metadata.name: {name}, or write the "
        "id of a resource tavusctl does not manage."
    )


def _cycles(graph: dict[str, list[Reference]]) -> Iterator[Diagnostic]:
    """One error per cycle, at the reference that closes it as found depth first."""
    done: set[str] = set()
    reported: set[frozenset[str]] = set()

    def visit(key: str, path: list[str]) -> Iterator[Diagnostic]:
        for ref in graph.get(key, []):
            if ref.key in path:
                cycle = [*path[path.index(ref.key) :], ref.key]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    yield Diagnostic(ref.location, "error", _cycle_message(ref, cycle))
            elif ref.key not in done:
                yield from visit(ref.key, [*path, ref.key])
        done.add(key)

    for start in sorted(graph):
        if start not in done:
            yield from visit(start, [start])


def _cycle_message(ref: Reference, cycle: list[str]) -> str:
    return (
        f"{ref.field}: the references form a cycle ({' -> '.join(cycle)}), so none of them "
        "could be created first. Replace one reference by a plain id, or remove it."
    )


def _duplicate_names(loaded: Sequence[Loaded]) -> set[str]:
    keys = [item.identity[0] for item in loaded if item.identity]
    return {key.split("/", 1)[1] for key in keys if keys.count(key) > 1}
