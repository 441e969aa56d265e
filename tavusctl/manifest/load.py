"""Load manifests: files and folders of YAML → desired resources, with source locations.

Every problem becomes a ``Diagnostic`` (file, line, column, whole-sentence message); loading
goes on after a problem so that one run reports them all.
"""

from __future__ import annotations

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
from tavusctl.manifest.document import DocumentLoader, Loaded, Options
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


def _duplicate_names(loaded: Sequence[Loaded]) -> set[str]:
    keys = [item.identity[0] for item in loaded if item.identity]
    return {key.split("/", 1)[1] for key in keys if keys.count(key) > 1}
