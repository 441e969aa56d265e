"""Where a project is: its files looked for from a folder upward, the way git finds ``.git``.

The search stops at the repository root (the first folder holding ``.git``; without one, the
filesystem root). The project file and the lockfile are both found this way, by one walk.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

PROJECT_FILE = "tavusctl.yaml"


def find_upward(start: Path, names: Sequence[str]) -> tuple[Path | None, Path]:
    """The first file named in ``names`` (in that order of preference within one folder), from
    ``start`` upward to the repository root; and the last folder looked in."""
    here = start.absolute()
    folder = here
    for folder in (here, *here.parents):
        for name in names:
            if (folder / name).is_file():
                return folder / name, folder
        if (folder / ".git").exists():
            break
    return None, folder
