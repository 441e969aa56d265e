"""What shell completion offers for resource names: those the lockfile records and those the
manifests under the current folder declare. Quiet by design: a file that cannot be read adds
nothing (completion must never print an error into the user's command line)."""

from __future__ import annotations

from pathlib import Path

from tavusctl.core.errors import TavusctlError
from tavusctl.manifest import discover
from tavusctl.manifest.yamlsource import SourceError, read_file
from tavusctl.state import lockfile

SHELLS = ("bash", "zsh", "fish")


def names(lock_path: Path, folder: Path = Path(".")) -> list[str]:
    """Every resource name known to the lockfile or declared by a manifest under ``folder``."""
    return sorted(_recorded(lock_path) | _declared(folder))


def _recorded(lock_path: Path) -> set[str]:
    try:
        return {key.split("/", 1)[-1] for key in lockfile.read(lock_path).entries}
    except (TavusctlError, OSError):
        return set()


def _declared(folder: Path) -> set[str]:
    found: set[str] = set()
    try:
        sources = discover.find([folder])
    except TavusctlError:
        return found
    for source in sources:
        try:
            docs = read_file(source.path, source.display)
        except (SourceError, TavusctlError, OSError):
            continue
        for doc in docs:
            metadata = doc.value.get("metadata") if isinstance(doc.value, dict) else None
            name = metadata.get("name") if isinstance(metadata, dict) else None
            if isinstance(name, str):
                found.add(name)
    return found
