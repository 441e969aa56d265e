"""``tavusctl fmt [PATH...] [--check] [--diff]``: lay manifests out canonically, in place.

Files that are not tavusctl manifests (other YAML in the repository) are left alone. A file is
written only when its layout changes, atomically; ``--check`` writes nothing and exits 1 when a
file would change, ``--diff`` shows the changes as a unified diff.
"""

from __future__ import annotations

import difflib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tavusctl.commands.common import Console
from tavusctl.core.errors import ExitCode, ManifestError
from tavusctl.core.files import write_atomic
from tavusctl.manifest import discover
from tavusctl.manifest.layout import layout


@dataclass(frozen=True)
class Mode:
    check: bool = False
    diff: bool = False


def run(paths: Sequence[Path], mode: Mode, console: Console) -> ExitCode:
    """Format every manifest file under ``paths`` (default ``.``); report what changed."""
    changed, errors = [], []
    sources = discover.find(list(paths) or [Path(".")])
    for source in sources:
        try:
            before = source.path.read_text(encoding="utf-8")
            after = layout(before, source.display)
        except (ManifestError, UnicodeDecodeError, OSError) as exc:
            errors.append(getattr(exc, "message", f"{source.display}: cannot be read ({exc})."))
            continue
        if after is None or after == before:
            continue
        changed.append(source.display)
        if mode.diff:
            console.out(_diff(source.display, before, after))
        if not mode.check:
            _replace(source.path, after)
    for message in errors:
        console.err(f"Error: {message}")
    console.err(_summary(len(sources), changed, mode.check))
    if errors:
        return ExitCode.ERROR
    return ExitCode.ERROR if mode.check and changed else ExitCode.OK


def _replace(path: Path, text: str) -> None:
    """Rewrite the file (through a symlink, to its target) atomically, keeping its mode."""
    target = path.resolve()
    mode = stat.S_IMODE(target.stat().st_mode)
    write_atomic(target, text)
    os.chmod(target, mode)


def _diff(name: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), name, name
    )
    return "".join(lines).rstrip("\n")


def _summary(total: int, changed: list[str], check: bool) -> str:
    files = f"{len(changed)} file{'' if len(changed) == 1 else 's'}"
    if not changed:
        return f"{total} file{'' if total == 1 else 's'} already formatted."
    if check:
        return f"{files} would be reformatted: {', '.join(changed)}. Run tavusctl fmt."
    return f"Reformatted {files}: {', '.join(changed)}."
