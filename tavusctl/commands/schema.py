"""``tavusctl schema``: the JSON Schemas tavusctl ships, for editors and for other tools.

``--write DIR`` copies them into the project, so that a manifest's ``# yaml-language-server:
$schema=`` comment and ``.vscode/settings.json`` point at files that travel with the
repository (never into tavusctl's own installation, which is elsewhere on every machine).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from tavusctl.core.errors import UsageError
from tavusctl.kinds import KINDS

MANIFEST = "manifest.schema.json"
# The manifest's, each kind's spec schema (the manifest's refers to them), the plan's, the
# project file's.
NAMES = (
    MANIFEST,
    *dict.fromkeys(k.spec_schema for k in KINDS.values() if k.spec_schema),
    "plan.schema.json",
    "project.schema.json",
)
FOLDER = "schemas"


def shipped() -> dict[str, str]:
    """Every shipped schema's text, by file name."""
    folder = resources.files("tavusctl").joinpath("schemas")
    return {name: folder.joinpath(name).read_text(encoding="utf-8") for name in NAMES}


def write(folder: Path) -> list[Path]:
    """Copy the schemas into ``folder`` (created if needed; copies there are replaced, so that
    an upgrade of tavusctl updates them). Returns the files written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in shipped().items():
            (folder / name).write_text(text, encoding="utf-8")
            written.append(folder / name)
    except OSError as exc:
        raise UsageError(
            f"Cannot write the schemas into {folder}: {exc.strerror or exc}. Name a folder you "
            "can write to."
        ) from None
    return written


def project_copy(start: Path) -> Path | None:
    """The project's ``schemas/manifest.schema.json``: looked for from ``start`` upward, up to
    the project root (the folder with ``tavusctl.yaml`` or ``.git``)."""
    folder = start.resolve()
    while True:
        candidate = folder / FOLDER / MANIFEST
        if candidate.is_file():
            return candidate
        if (folder / "tavusctl.yaml").exists() or (folder / ".git").exists():
            return None
        if folder.parent == folder:
            return None
        folder = folder.parent


def reference(manifest_folder: Path) -> str | None:
    """The ``$schema`` a manifest written into ``manifest_folder`` points at: the project's
    copy, relative to it, or ``None`` when the project has none."""
    found = project_copy(manifest_folder)
    if found is None:
        return None
    return Path(os.path.relpath(found, manifest_folder.resolve())).as_posix()
