"""Which manifest files a list of PATH arguments names."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tavusctl.core.errors import ManifestError
from tavusctl.core.project_root import PROJECT_FILE  # the project file is not a manifest

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class SourceFile:
    """A manifest file: where it is, how to name it, and the tree ``${file:}`` may read."""

    path: Path
    display: str
    root: Path


def find(paths: Sequence[Path]) -> list[SourceFile]:
    """Files named by ``paths`` (files as given; folders searched recursively), each once.

    Folders yield ``*.yaml``/``*.yml`` files in sorted order, skipping hidden files and folders
    and the project file ``tavusctl.yaml``.
    Raises ``ManifestError`` for a path that does not exist or a folder with no manifests.
    """
    found: dict[Path, SourceFile] = {}
    for given in paths:
        for source in _expand(given):
            found.setdefault(source.path.resolve(), source)
    return list(found.values())


def _expand(given: Path) -> list[SourceFile]:
    if not given.exists():
        raise ManifestError(f"{given} does not exist. Name a manifest file or a folder of them.")
    if not given.is_dir():
        return [SourceFile(given, str(given), given.parent)]
    files = [SourceFile(p, str(p), given) for p in _walk(given)]
    if not files:
        raise ManifestError(
            f"No *.yaml or *.yml files found in {given}. Name a folder that holds manifests."
        )
    return files


def _walk(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(SUFFIXES) and not name.startswith(".") and name != PROJECT_FILE:
                yield Path(dirpath) / name
